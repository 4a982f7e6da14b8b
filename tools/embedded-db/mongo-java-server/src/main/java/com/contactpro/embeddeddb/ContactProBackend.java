package com.contactpro.embeddeddb;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * mongo-java-server's H2 backend with three changes, each measured on the service's own queries:
 *
 * <ul>
 *   <li>Changes to collections and indexes run alone. Upstream locks each collection for its reads and
 *       writes, but not the creation of collections and indexes: an explicit create (mongoose's autoCreate,
 *       on every model) or createIndexes racing an insert into the same new collection failed 14 times in 30
 *       rounds, with "Document with key ... already existed in system.namespaces" or a
 *       ConcurrentModificationException, where MongoDB succeeds or answers NamespaceExists.
 *   <li>A query naming one {@code _id} reads that document instead of scanning the collection. Upstream
 *       uses an index only when the query has exactly the index's fields, and every query of the service
 *       names the tenant and the tab beside the id: a read by id scanned half the collection on average.
 *   <li>A sorted query with a limit keeps the first {@code skip + limit} documents in a bounded heap instead
 *       of sorting every match (a page of 50 out of the 5 000 contacts of a tab).
 * </ul>
 *
 * The result of every query is the same as upstream's; only the work to find it changes.
 */
final class ContactProBackend extends H2Backend {
  private static final Set<String> SCHEMA_COMMANDS = Set.of(
      "create", "createindexes", "drop", "dropindexes", "deleteindexes", "dropdatabase", "renamecollection",
      "collmod");
  private static final String DATA_MAP_PREFIX = "databases.";
  private static final String META_MAP_PREFIX = "meta.";
  private final ReadWriteLock schemaLock = new ReentrantReadWriteLock();

  ContactProBackend(MVStore store) {
    super(store);
  }

  @Override
  public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
    boolean schema = SCHEMA_COMMANDS.contains(command.toLowerCase(Locale.ROOT));
    Lock lock = schema ? schemaLock.writeLock() : schemaLock.readLock();
    lock.lock();
    try {
      return super.handleCommand(channel, databaseName, command, query);
    } finally {
      lock.unlock();
    }
  }

  @Override
  protected MongoDatabase openOrCreateDatabase(String databaseName) {
    return new Database(databaseName, getMvStore(), getCursorRegistry());
  }

  /**
   * Upstream's database; its collections are {@link Collection}s, on the same maps of the same file. An
   * inner class: its super constructor already opens collections, and reaches the store through the backend.
   */
  private final class Database extends H2Database {
    Database(String databaseName, MVStore store, CursorRegistry cursorRegistry) {
      super(databaseName, store, cursorRegistry);
    }

    @Override
    protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
      String fullName = getFullCollectionNamespace(collectionName);
      MVMap<Object, Document> dataMap = getMvStore().openMap(DATA_MAP_PREFIX + fullName);
      MVMap<String, Object> metaMap = getMvStore().openMap(META_MAP_PREFIX + fullName);
      return new Collection(this, collectionName, options, dataMap, metaMap, cursorRegistry);
    }
  }

  private static final class Collection extends H2Collection {
    private final MVMap<Object, Document> dataMap;

    Collection(MongoDatabase database, String name, CollectionOptions options, MVMap<Object, Document> dataMap,
        MVMap<String, Object> metaMap, CursorRegistry cursorRegistry) {
      super(database, name, options, dataMap, metaMap, cursorRegistry);
      this.dataMap = dataMap;
    }

    @Override
    protected QueryResult matchDocuments(Document query, Document orderBy, int numberToSkip, int limit,
        int batchSize, Document fieldSelector) {
      Object id = query.get("_id");
      // Only ids whose stored key equals the query's value: strings and ObjectIds (a number could be
      // stored as another numeric type that the query still matches).
      if ((id instanceof String || id instanceof ObjectId) && "_id".equals(getIdField())) {
        Document document = dataMap.get(id);
        Stream<Document> candidates = document == null ? Stream.empty() : Stream.of(document);
        return matchDocumentsFromStream(candidates, query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
      }
      return super.matchDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
    }

    @Override
    protected QueryResult matchDocumentsFromStream(Document query, Stream<Document> documents, int numberToSkip,
        int limit, int batchSize, Comparator<Document> order, Document fieldSelector) {
      if (order == null || limit <= 0) {
        return super.matchDocumentsFromStream(query, documents, numberToSkip, limit, batchSize, order,
            fieldSelector);
      }
      // The first skip + limit matches in order, ties kept in the order they were read (as a stable sort).
      int keep = numberToSkip + limit;
      Comparator<Ranked> ranking = Comparator.<Ranked, Document>comparing(r -> r.document, order)
          .thenComparingLong(r -> r.seen);
      // Grown as matches come: a huge limit (an export's $top) must not be allocated up front.
      PriorityQueue<Ranked> worstFirst = new PriorityQueue<>(Math.min(keep, 1024) + 1, ranking.reversed());
      long[] seen = {0};
      documents.filter(document -> documentMatchesQuery(document, query)).forEach(document -> {
        Ranked ranked = new Ranked(document, seen[0]++);
        if (worstFirst.size() < keep) {
          worstFirst.add(ranked);
        } else if (ranking.compare(ranked, worstFirst.peek()) < 0) {
          worstFirst.poll();
          worstFirst.add(ranked);
        }
      });
      List<Ranked> kept = new ArrayList<>(worstFirst);
      kept.sort(ranking);
      // Upstream's own pass over the few kept: the same filter, sort, skip, limit and projection.
      return super.matchDocumentsFromStream(query, kept.stream().map(r -> r.document), numberToSkip, limit,
          batchSize, order, fieldSelector);
    }

    private record Ranked(Document document, long seen) {}
  }
}
