"""Schemathesis hooks of `npm run test:fuzz` (scripts/fuzz.js loads them).

A positive case is a request the document says is valid, and the service must accept it. A few rules
cannot be written in OpenAPI 3.0, so positive cases are brought within them here; negative cases are
left as generated:

- OData expressions ($filter, $search, $orderby, $select) follow a grammar over the entity's
  properties, not a pattern: a positive case keeps its operation's documented example or leaves the
  option out (the OData tests cover the grammar).
- $skiptoken and $deltatoken are minted and signed by the service, and If-Match must name the current
  version: no schema makes a random one valid (400, 412). A positive case leaves them out, which also
  keeps apart the options that exclude each other ($skip and $skiptoken, $skiptoken and $deltatoken).
- A tab's fields, custom fields and default sort name contact fields, built in or the tab's own, and
  each kind of custom field takes its own settings: a positive tab keeps them only as documented. Its
  categories have distinct names (in any case and accents); a change keeps at least one owner.
- A vCard export carries every field: $select goes with format xlsx or csv only.
- An import's file is a spreadsheet, CSV or vCard file with a header row, which no schema of bytes
  describes: a positive case uploads a small CSV file; its mapping is JSON in a form field, kept only as
  documented.
- A contact's categories and custom fields are those of its tab: a positive contact leaves them out.
  Whether a change leaves a contact something to be shown by (a name, a company, an e-mail address)
  depends on what is stored: a positive change does not blank those properties.
- A JSON body has no `__proto__` key and no `constructor` key holding `prototype` (the document's
  description says so; JSON Schema of OpenAPI 3.0 has no rule on property names).
- The requests of a $batch have unique ids, depend only on other requests of the batch and never in a
  cycle, and set each header once, by an HTTP token name that the service lets a request set
  (src/batch/batch-plan.ts).
"""

import re
import unicodedata

import schemathesis

SHOWN_BY = ("displayName", "givenName", "middleName", "surname", "nickName", "companyName", "emailAddresses")
# As the tab examples of src/tabs/tabs.controller.ts.
TAB_EXAMPLES = {"customFields": [{"key": "industry", "label": "Industry", "type": "text"}]}
# As the mapping example of src/contacts/transfer/dto/contact-import.dto.ts.
IMPORT_MAPPING_EXAMPLE = '{"E-mail": "emailAddresses"}'
CSV_FILE = b"Display name,E-mail\nAdele Vance,adele.vance@contoso.com\n"
GRAMMAR = ("$filter", "$search", "$orderby", "$select")
MINTED = ("$skiptoken", "$deltatoken")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$")
JSON_MEDIA_TYPE = re.compile(r"^application/json[ \t]*(;.*)?$", re.IGNORECASE)
# As RESERVED_HEADERS in src/batch/batch-plan.ts.
RESERVED_HEADERS = {
    "authorization",
    "proxy-authorization",
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "content-length",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-real-ip",
}


def _documented_example(operation, name):
    for parameter in operation.query:
        definition = parameter.definition
        if definition.get("name") == name:
            return definition.get("example", definition.get("schema", {}).get("example"))
    return None


def _within_query_rules(case):
    query = case.query or {}
    for name in GRAMMAR:
        if name in query and query[name] != _documented_example(case.operation, name):
            del query[name]
    for name in MINTED:
        query.pop(name, None)


def _folded(text):
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _within_tab_rules(case):
    if not isinstance(case.body, dict):
        return
    for name in ("fields", "customFields", "defaultSort"):
        if name in case.body and case.body[name] != TAB_EXAMPLES.get(name):
            del case.body[name]
    permissions = case.body.get("permissions")
    if case.method.upper() == "PATCH" and isinstance(permissions, dict) and permissions.get("owners") == []:
        del permissions["owners"]
    if isinstance(case.body.get("categories"), list):
        seen, kept = set(), []
        for category in case.body["categories"]:
            name = category.get("name") if isinstance(category, dict) else None
            if isinstance(name, str) and _folded(name) in seen:
                continue
            seen.add(_folded(name) if isinstance(name, str) else None)
            kept.append(category)
        case.body["categories"] = kept


def _within_export_rules(case):
    if (case.query or {}).get("format") == "vcf":
        case.query.pop("$select", None)


def _within_import_rules(case):
    if isinstance(case.body, dict) and isinstance(case.body.get("file"), (bytes, bytearray)):
        case.body["file"] = CSV_FILE
        if case.body.get("mapping") != IMPORT_MAPPING_EXAMPLE:
            case.body.pop("mapping", None)


def _within_contact_rules(case):
    if not isinstance(case.body, dict):
        return
    for name in ("categories", "customFields"):
        case.body.pop(name, None)
    if case.method.upper() == "PATCH":
        for name in SHOWN_BY:
            value = case.body.get(name)
            if name in case.body and (value is None or value == [] or (isinstance(value, str) and not value.strip())):
                del case.body[name]


def _within_header_rules(case):
    for name in list(case.headers or {}):
        if name.lower() == "if-match" and case.headers[name] != "*":
            del case.headers[name]


def _batch_headers(headers):
    kept, seen = {}, set()
    for name, value in headers.items():
        key = name.lower()
        if not HEADER_NAME.match(name) or key in RESERVED_HEADERS or key in seen:
            continue
        if key == "content-type" and not JSON_MEDIA_TYPE.match(value):
            continue
        seen.add(key)
        kept[name] = value
    return kept


def _within_batch_rules(case):
    requests = case.body.get("requests") if isinstance(case.body, dict) else None
    if not isinstance(requests, list):
        return
    earlier, kept = set(), []
    for request in requests:
        if not isinstance(request, dict) or request.get("id") in earlier:
            continue
        # Depending only on earlier requests makes a cycle impossible.
        if isinstance(request.get("dependsOn"), list):
            request["dependsOn"] = [id for id in request["dependsOn"] if id in earlier]
        if isinstance(request.get("headers"), dict):
            request["headers"] = _batch_headers(request["headers"])
        earlier.add(request.get("id"))
        kept.append(request)
    case.body["requests"] = kept


def _without_prototype_keys(value):
    if isinstance(value, list):
        return [_without_prototype_keys(item) for item in value]
    if isinstance(value, dict):
        return {
            key: _without_prototype_keys(item)
            for key, item in value.items()
            if key != "__proto__" and not (key == "constructor" and isinstance(item, dict) and "prototype" in item)
        }
    return value


def _within_rules(case):
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return case
    if isinstance(case.body, (dict, list)):
        case.body = _without_prototype_keys(case.body)
    _within_query_rules(case)
    _within_header_rules(case)
    path = case.operation.path
    if path == "/api/v1/$batch":
        _within_batch_rules(case)
    elif path in ("/api/v1/tabs", "/api/v1/tabs/{tabId}") and case.method.upper() in ("POST", "PATCH"):
        _within_tab_rules(case)
    elif path == "/api/v1/tabs/{tabId}/contacts/export":
        _within_export_rules(case)
    elif path == "/api/v1/tabs/{tabId}/contacts/import":
        _within_import_rules(case)
    elif path in ("/api/v1/tabs/{tabId}/contacts", "/api/v1/tabs/{tabId}/contacts/{id}"):
        _within_contact_rules(case)
    return case


@schemathesis.hook
def map_case(context, case):
    return _within_rules(case)
