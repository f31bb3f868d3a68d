package sigv4

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// suiteCase is one case of AWS's Signature Version 4 test suite: the
// request to sign and the signatures AWS published for its header-signed
// and presigned forms (service "service", us-east-1, 2015-08-30T12:36:00Z,
// AKIDEXAMPLE). s3 cases are the "unnormalized" ones: S3's path rules.
type suiteCase struct {
	name          string
	s3            bool
	token         string
	omitToken     bool
	body          bool
	request       string
	signed, sig   string
	qsigned, qsig string
}

const (
	suiteKey    = "AKIDEXAMPLE"
	suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	suiteDate   = "20150830T123600Z"
	suiteScope  = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
)

var suite = []suiteCase{
	{name: "get-header-key-duplicate", s3: false, token: "", omitToken: false, body: false,
		request: "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value2\nMy-Header1:value2\nMy-Header1:value1\n",
		signed:  "host;my-header1;x-amz-date", sig: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
		qsigned: "host;my-header1", qsig: "3349ee0b81b4b589da0ff28a395c3591e04de515651dd74f298fa992d1507a97"},
	{name: "get-header-value-multiline", s3: false, token: "", omitToken: false, body: false,
		request: "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n  value2\n     value3\n",
		signed:  "host;my-header1;x-amz-date", sig: "cfd34249e4b1c8d6b91ef74165d41a32e5fab3306300901bb65a51a73575eefd",
		qsigned: "host;my-header1", qsig: "e6f5def831211aca02987a44b96826706278c7bc078112ae0263659c5b2f2d56"},
	{name: "get-header-value-order", s3: false, token: "", omitToken: false, body: false,
		request: "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value4\nMy-Header1:value1\nMy-Header1:value3\nMy-Header1:value2\n",
		signed:  "host;my-header1;x-amz-date", sig: "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
		qsigned: "host;my-header1", qsig: "313720e71ca6202fdcfa9b20f88de01a4eb0638a83c833b1c184359a4eda864e"},
	{name: "get-header-value-trim", s3: false, token: "", omitToken: false, body: false,
		request: "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\nMy-Header2: \"a   b   c\"\n",
		signed:  "host;my-header1;my-header2;x-amz-date", sig: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
		qsigned: "host;my-header1;my-header2", qsig: "e7bb0fd515e125e1aec2ecc4c0c17484fb06f6846b927c35e46005dd3df3acd4"},
	{name: "get-relative-normalized", s3: false, token: "", omitToken: false, body: false,
		request: "GET /example/.. HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		qsigned: "host", qsig: "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d"},
	{name: "get-relative-relative-normalized", s3: false, token: "", omitToken: false, body: false,
		request: "GET /example1/example2/../.. HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		qsigned: "host", qsig: "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d"},
	{name: "get-relative-relative-unnormalized", s3: true, token: "", omitToken: false, body: false,
		request: "GET /example1/example2/../.. HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "dc33e0856fd4baca4d7aa2146c38958283844764f38c74252a333df5e613003b",
		qsigned: "host", qsig: "b45db0bfd1cf15003493b733e33aa208dd981bd0e63037a6ed953f71d2118a16"},
	{name: "get-relative-unnormalized", s3: true, token: "", omitToken: false, body: false,
		request: "GET /example/.. HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "eca7ead57bb5aa5c8e28007acd4ff04e1ff9a0ff3b237ec1554a184887ff9282",
		qsigned: "host", qsig: "cbcb213b928a077e43275df47b500f1dfaa864ab3f5a18f6b95f4ff0938167ee"},
	{name: "get-slash-dot-slash-normalized", s3: false, token: "", omitToken: false, body: false,
		request: "GET /./ HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		qsigned: "host", qsig: "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d"},
	{name: "get-slash-dot-slash-unnormalized", s3: true, token: "", omitToken: false, body: false,
		request: "GET /./ HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "68714168e6557f8f2de0ef956fc24dc2593a4bd2961f8df51898d8a134695145",
		qsigned: "host", qsig: "a9b13e8f3484d9505bf1a6f347219f8f35b0fe8f128ceea597efc146a3dfe90c"},
	{name: "get-slash-normalized", s3: false, token: "", omitToken: false, body: false,
		request: "GET // HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		qsigned: "host", qsig: "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d"},
	{name: "get-slash-pointless-dot-normalized", s3: false, token: "", omitToken: false, body: false,
		request: "GET /./example HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
		qsigned: "host", qsig: "35034b1a0bdd969f346975386daf8aedfd4976573b8348cf4f67eaa41c5857de"},
	{name: "get-slash-pointless-dot-unnormalized", s3: true, token: "", omitToken: false, body: false,
		request: "GET /./example HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "beb03f223f7deae4146464f06e29eebbee9c8afbe15c290cf07aa8b119e14cff",
		qsigned: "host", qsig: "72b11f16d9530b18204bfb71f2d6ab085894c0ed8d352730a6e76234c58b5e10"},
	{name: "get-slash-unnormalized", s3: true, token: "", omitToken: false, body: false,
		request: "GET // HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "c88bcd3d312d75078c0cd961d6deae3f4c754924b01669efcfcb439fd5e5b76e",
		qsigned: "host", qsig: "b2a9542809db687769200f56a844a03f2bd0291d6eb90232d5101c6a579446cd"},
	{name: "get-slashes-normalized", s3: false, token: "", omitToken: false, body: false,
		request: "GET //example// HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
		qsigned: "host", qsig: "c1834e8fb0307243711f0f907f6ab7311ed300d87f13792d7ee4da89ab93e082"},
	{name: "get-slashes-unnormalized", s3: true, token: "", omitToken: false, body: false,
		request: "GET //example// HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5",
		qsigned: "host", qsig: "822a5a9ba28072c5ab2bb4a6307d0c88276d40e49fec6b724c03fb4d4ba60fc2"},
	{name: "get-space-normalized", s3: false, token: "", omitToken: false, body: false,
		request: "GET /example space/ HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
		qsigned: "host", qsig: "7a1f416954786484c9824d93c1f26ef64acb9b1b6c9154d08c9f07d0e394abf6"},
	{name: "get-space-unnormalized", s3: true, token: "", omitToken: false, body: false,
		request: "GET /example space/ HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
		qsigned: "host", qsig: "7a1f416954786484c9824d93c1f26ef64acb9b1b6c9154d08c9f07d0e394abf6"},
	{name: "get-unreserved", s3: false, token: "", omitToken: false, body: false,
		request: "GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
		qsigned: "host", qsig: "95968482db1b9e0fadef6efc1bd24689f77c77d9ef56919c96a28cc92e0d6005"},
	{name: "get-utf8", s3: false, token: "", omitToken: false, body: false,
		request: "GET /\u1234 HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
		qsigned: "host", qsig: "10eae3f14a260bd3911cc6d008d3c576d143b05b62f09782a7a4b37f52178e44"},
	{name: "get-vanilla-empty-query-key", s3: false, token: "", omitToken: false, body: false,
		request: "GET /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
		qsigned: "host", qsig: "49096700cbbaa5753443850f40df10f904fc2fdb544dc9512203cc77c471a9de"},
	{name: "get-vanilla-query-order-encoded", s3: false, token: "", omitToken: false, body: false,
		request: "GET /?Param-3=Value3&Param=Value2&%E1%88%B4=Value1 HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac",
		qsigned: "host", qsig: "c5f1848ceec943ac2ca68ee720460c23aaae30a2300586597ada94c4a65e4787"},
	{name: "get-vanilla-query-order-key-case", s3: false, token: "", omitToken: false, body: false,
		request: "GET /?Param2=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
		qsigned: "host", qsig: "86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5"},
	{name: "get-vanilla-query-unreserved", s3: false, token: "", omitToken: false, body: false,
		request: "GET /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
		qsigned: "host", qsig: "8e76a88a7433637b12778d5592799b29ad21ecd6cf6325051c21d86f0acda2bf"},
	{name: "get-vanilla-query", s3: false, token: "", omitToken: false, body: false,
		request: "GET / HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		qsigned: "host", qsig: "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d"},
	{name: "get-vanilla-utf8-query", s3: false, token: "", omitToken: false, body: false,
		request: "GET /?\u1234=bar HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
		qsigned: "host", qsig: "0bdd809b1519ac4f0c1dc3540e2cc46bd0c7f778eda408b2ebf3b913d21ff600"},
	{name: "get-vanilla-with-session-token", s3: false, token: "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267", omitToken: false, body: false,
		request: "GET / HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date;x-amz-security-token", sig: "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
		qsigned: "host", qsig: "7ff2b50b376cb4d151970630573d6291dc128cc5c2a12ffb237f73cc53f67b6c"},
	{name: "get-vanilla", s3: false, token: "", omitToken: false, body: false,
		request: "GET / HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		qsigned: "host", qsig: "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d"},
	{name: "post-header-key-case", s3: false, token: "", omitToken: false, body: false,
		request: "POST / HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
		qsigned: "host", qsig: "2ce6e6d2e0cf2f9d1b55fafec88cd20574c31dc2e7631979f71ba2310083e95b"},
	{name: "post-header-key-sort", s3: false, token: "", omitToken: false, body: false,
		request: "POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n",
		signed:  "host;my-header1;x-amz-date", sig: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
		qsigned: "host;my-header1", qsig: "c09d07e0d55871f10f2a6d350d994acf6825a3cae70673d7def55616e6119dd7"},
	{name: "post-header-value-case", s3: false, token: "", omitToken: false, body: false,
		request: "POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:VALUE1\n",
		signed:  "host;my-header1;x-amz-date", sig: "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
		qsigned: "host;my-header1", qsig: "0698bc9e4f7f9139065ba2909c0e99da257e8e2a42492a097bcd46d792391fed"},
	{name: "post-sts-header-after", s3: false, token: "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==", omitToken: true, body: false,
		request: "POST / HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
		qsigned: "host", qsig: "2ce6e6d2e0cf2f9d1b55fafec88cd20574c31dc2e7631979f71ba2310083e95b"},
	{name: "post-sts-header-before", s3: false, token: "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==", omitToken: false, body: false,
		request: "POST / HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date;x-amz-security-token", sig: "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
		qsigned: "host", qsig: "46c2e3c63c1dbe7d39f8ada16fe7f001c1f56c5791441565323677f96308871c"},
	{name: "post-vanilla-empty-query-value", s3: false, token: "", omitToken: false, body: false,
		request: "POST /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
		qsigned: "host", qsig: "a9ef26247f293bffe40eeff86a0480ba8c14d31503b2e0c3399e3a16bf1a3682"},
	{name: "post-vanilla-query", s3: false, token: "", omitToken: false, body: false,
		request: "POST /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
		qsigned: "host", qsig: "a9ef26247f293bffe40eeff86a0480ba8c14d31503b2e0c3399e3a16bf1a3682"},
	{name: "post-vanilla", s3: false, token: "", omitToken: false, body: false,
		request: "POST / HTTP/1.1\nHost:example.amazonaws.com\n",
		signed:  "host;x-amz-date", sig: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
		qsigned: "host", qsig: "2ce6e6d2e0cf2f9d1b55fafec88cd20574c31dc2e7631979f71ba2310083e95b"},
	{name: "post-x-www-form-urlencoded-parameters", s3: false, token: "", omitToken: false, body: true,
		request: "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded; charset=utf-8\nHost:example.amazonaws.com\nContent-Length:13\n\nParam1=value1",
		signed:  "content-length;content-type;host;x-amz-content-sha256;x-amz-date", sig: "328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422",
		qsigned: "content-length;content-type;host", qsig: "0dbeb9b026c7b6675f266b8427efec9b4fa8b1f6ef1477d717aea231106eab4d"},
	{name: "post-x-www-form-urlencoded", s3: false, token: "", omitToken: false, body: true,
		request: "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\nHost:example.amazonaws.com\nContent-Length:13\n\nParam1=value1",
		signed:  "content-length;content-type;host;x-amz-content-sha256;x-amz-date", sig: "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
		qsigned: "content-length;content-type;host", qsig: "89a40deed0f26f9461242825a082d2222717248abc7ab41f552ad84a94ad46e9"},
}

// readSuiteRequest parses a request of the suite: a request line, headers
// (a line starting with a space continues the previous value, as HTTP's
// obsolete folding does), a blank line and the body.
func readSuiteRequest(t *testing.T, text string) *http.Request {
	t.Helper()
	head, body, _ := strings.Cut(text, "\n\n")
	sc := bufio.NewScanner(strings.NewReader(head))
	sc.Scan()
	parts := strings.Fields(sc.Text())
	method, target := parts[0], strings.Join(parts[1:len(parts)-1], " ")
	r := &http.Request{Method: method, RequestURI: target, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
	path, query, _ := strings.Cut(target, "?")
	r.URL = &url.URL{Path: path, RawQuery: query}
	var last string
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, " ") {
			vals := r.Header[last]
			vals[len(vals)-1] += " " + strings.TrimSpace(line)
			continue
		}
		k, v, _ := strings.Cut(line, ":")
		last = http.CanonicalHeaderKey(k)
		if last == "Host" {
			r.Host = v
			continue
		}
		r.Header.Add(last, v)
	}
	return r
}

func suiteBodyHash(c suiteCase) string {
	_, body, _ := strings.Cut(c.request, "\n\n")
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

func TestSuiteHeaderSigned(t *testing.T) {
	for _, c := range suite {
		t.Run(c.name, func(t *testing.T) {
			r := readSuiteRequest(t, c.request)
			r.Header.Set("X-Amz-Date", suiteDate)
			if c.token != "" {
				r.Header.Set("X-Amz-Security-Token", c.token)
			}
			if c.body {
				r.Header.Set("X-Amz-Content-Sha256", suiteBodyHash(c))
			}
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+suiteScope+", SignedHeaders="+c.signed+", Signature="+c.sig)
			checkSuite(t, c, r)
		})
	}
}

func TestSuitePresigned(t *testing.T) {
	for _, c := range suite {
		t.Run(c.name, func(t *testing.T) {
			r := readSuiteRequest(t, c.request)
			q := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + url.QueryEscape(suiteScope) +
				"&X-Amz-Date=" + suiteDate + "&X-Amz-SignedHeaders=" + url.QueryEscape(c.qsigned) + "&X-Amz-Expires=3600"
			if c.token != "" && !c.omitToken {
				q += "&X-Amz-Security-Token=" + url.QueryEscape(c.token)
			}
			q += "&X-Amz-Signature=" + c.qsig
			if r.URL.RawQuery != "" {
				q = r.URL.RawQuery + "&" + q
			}
			r.URL.RawQuery = q
			r.RequestURI = r.URL.Path + "?" + q
			checkSuite(t, c, r)
		})
	}
}

// checkSuite verifies r with the suite's path rules (the suite signs for
// service "service", so Verify alone would not apply S3's).
func checkSuite(t *testing.T, c suiteCase, r *http.Request) {
	t.Helper()
	claim, err := ParseRequest(r)
	if err != nil {
		t.Fatalf("ParseRequest: %v", err)
	}
	var v Verifier
	v.Now = func() time.Time { return mustTime(t, suiteDate) }
	if _, err := v.checkTime(&claim); err != nil {
		t.Fatalf("checkTime: %v", err)
	}
	payload := emptySHA256
	if c.body || claim.Presigned {
		payload = suiteBodyHash(c)
	}
	key := v.keys.signingKey(suiteSecret, claim.Scope)
	if err := checkSignature(r, &claim, c.s3, payload, key); err != nil {
		t.Errorf("signature of %s rejected; canonical request:\n%s", c.name, canonicalRequest(r, &claim, c.s3, payload))
	}
	claim.Signature = strings.Repeat("0", 64)
	if err := checkSignature(r, &claim, c.s3, payload, key); err == nil || err.Kind != Mismatch {
		t.Errorf("a wrong signature gave %v, want Mismatch", err)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(amzDateFormat, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
