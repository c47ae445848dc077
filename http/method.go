package http

// Method is a request method lighttpd knows (http_kv.c). Methods are
// case-sensitive on the wire; a request with any other method gets 501.
// The zero value, MethodUnknown, is never the method of a parsed request.
type Method uint8

// The methods in lighttpd's order: the common ones, then WebDAV and DeltaV.
const (
	MethodUnknown Method = iota
	MethodGet
	MethodHead
	MethodQuery
	MethodPost
	MethodPut
	MethodDelete
	MethodConnect
	MethodOptions
	MethodTrace
	MethodACL
	MethodBaselineControl
	MethodBind
	MethodCheckin
	MethodCheckout
	MethodCopy
	MethodLabel
	MethodLink
	MethodLock
	MethodMerge
	MethodMkactivity
	MethodMkcalendar
	MethodMkcol
	MethodMkredirectref
	MethodMkworkspace
	MethodMove
	MethodOrderpatch
	MethodPatch
	MethodPropfind
	MethodProppatch
	MethodRebind
	MethodReport
	MethodSearch
	MethodUnbind
	MethodUncheckout
	MethodUnlink
	MethodUnlock
	MethodUpdate
	MethodUpdateredirectref
	MethodVersionControl
	methodCount
)

var methodNames = [methodCount]string{
	MethodUnknown:           "",
	MethodGet:               "GET",
	MethodHead:              "HEAD",
	MethodQuery:             "QUERY",
	MethodPost:              "POST",
	MethodPut:               "PUT",
	MethodDelete:            "DELETE",
	MethodConnect:           "CONNECT",
	MethodOptions:           "OPTIONS",
	MethodTrace:             "TRACE",
	MethodACL:               "ACL",
	MethodBaselineControl:   "BASELINE-CONTROL",
	MethodBind:              "BIND",
	MethodCheckin:           "CHECKIN",
	MethodCheckout:          "CHECKOUT",
	MethodCopy:              "COPY",
	MethodLabel:             "LABEL",
	MethodLink:              "LINK",
	MethodLock:              "LOCK",
	MethodMerge:             "MERGE",
	MethodMkactivity:        "MKACTIVITY",
	MethodMkcalendar:        "MKCALENDAR",
	MethodMkcol:             "MKCOL",
	MethodMkredirectref:     "MKREDIRECTREF",
	MethodMkworkspace:       "MKWORKSPACE",
	MethodMove:              "MOVE",
	MethodOrderpatch:        "ORDERPATCH",
	MethodPatch:             "PATCH",
	MethodPropfind:          "PROPFIND",
	MethodProppatch:         "PROPPATCH",
	MethodRebind:            "REBIND",
	MethodReport:            "REPORT",
	MethodSearch:            "SEARCH",
	MethodUnbind:            "UNBIND",
	MethodUncheckout:        "UNCHECKOUT",
	MethodUnlink:            "UNLINK",
	MethodUnlock:            "UNLOCK",
	MethodUpdate:            "UPDATE",
	MethodUpdateredirectref: "UPDATEREDIRECTREF",
	MethodVersionControl:    "VERSION-CONTROL",
}

// String returns the method's wire name, "" for MethodUnknown.
func (m Method) String() string {
	if m < methodCount {
		return methodNames[m]
	}
	return ""
}

// GetOrHead reports whether m is GET or HEAD, the methods that may not
// carry a body unless server.http-parseopts has "method-get-body".
func (m Method) GetOrHead() bool { return m == MethodGet || m == MethodHead }

// lookupMethod maps a wire name to its Method, MethodUnknown if lighttpd
// does not know it. The switch compiles to a length-then-content search
// and does not allocate.
func lookupMethod(b []byte) Method {
	if len(b) == 3 && b[0] == 'G' && b[1] == 'E' && b[2] == 'T' {
		return MethodGet
	}
	switch string(b) {
	case "HEAD":
		return MethodHead
	case "QUERY":
		return MethodQuery
	case "POST":
		return MethodPost
	case "PUT":
		return MethodPut
	case "DELETE":
		return MethodDelete
	case "CONNECT":
		return MethodConnect
	case "OPTIONS":
		return MethodOptions
	case "TRACE":
		return MethodTrace
	case "ACL":
		return MethodACL
	case "BASELINE-CONTROL":
		return MethodBaselineControl
	case "BIND":
		return MethodBind
	case "CHECKIN":
		return MethodCheckin
	case "CHECKOUT":
		return MethodCheckout
	case "COPY":
		return MethodCopy
	case "LABEL":
		return MethodLabel
	case "LINK":
		return MethodLink
	case "LOCK":
		return MethodLock
	case "MERGE":
		return MethodMerge
	case "MKACTIVITY":
		return MethodMkactivity
	case "MKCALENDAR":
		return MethodMkcalendar
	case "MKCOL":
		return MethodMkcol
	case "MKREDIRECTREF":
		return MethodMkredirectref
	case "MKWORKSPACE":
		return MethodMkworkspace
	case "MOVE":
		return MethodMove
	case "ORDERPATCH":
		return MethodOrderpatch
	case "PATCH":
		return MethodPatch
	case "PROPFIND":
		return MethodPropfind
	case "PROPPATCH":
		return MethodProppatch
	case "REBIND":
		return MethodRebind
	case "REPORT":
		return MethodReport
	case "SEARCH":
		return MethodSearch
	case "UNBIND":
		return MethodUnbind
	case "UNCHECKOUT":
		return MethodUncheckout
	case "UNLINK":
		return MethodUnlink
	case "UNLOCK":
		return MethodUnlock
	case "UPDATE":
		return MethodUpdate
	case "UPDATEREDIRECTREF":
		return MethodUpdateredirectref
	case "VERSION-CONTROL":
		return MethodVersionControl
	}
	return MethodUnknown
}

// Version is the HTTP version of a request line. The zero value,
// VersionUnknown, is what a request has when its line could not be parsed;
// its responses say HTTP/1.0, as lighttpd's do.
type Version uint8

// The versions an HTTP/1 request line may carry. A later HTTP/1 minor
// version (HTTP/1.2 to HTTP/1.9) is parsed as Version11.
const (
	VersionUnknown Version = iota
	Version10
	Version11
)

// String returns the protocol name to put in a status line: "HTTP/1.1"
// for Version11 and "HTTP/1.0" otherwise.
func (v Version) String() string {
	if v == Version11 {
		return "HTTP/1.1"
	}
	return "HTTP/1.0"
}
