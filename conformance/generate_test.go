package conformance_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appmaker/refresh-conformance/conformance"
	"github.com/appmaker/refresh-conformance/mock"
	"github.com/appmaker/refresh-conformance/spec"
)

func loadFile(t *testing.T, path string) *spec.Spec {
	t.Helper()
	doc, err := spec.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestGenerateYieldsAtLeast30DistinctCasesForTheRefresh(t *testing.T) {
	doc := loadSpec(t)
	op, _ := doc.Operation(spec.RefreshOperationID)
	names := map[string]bool{}
	kinds := map[conformance.Kind]int{}
	for _, c := range conformance.Generate(doc) {
		if names[c.Name] {
			t.Errorf("two cases are named %q", c.Name)
		}
		names[c.Name] = true
		if c.Operation == op || (c.Operation == nil && c.Path == op.Path) {
			kinds[c.Kind]++
		}
	}
	total := 0
	for _, n := range kinds {
		total += n
	}
	if total < 30 {
		t.Errorf("%d cases for %s, want at least 30: %v", total, op, kinds)
	}
	for _, k := range []conformance.Kind{conformance.KindRequiredRemoved, conformance.KindWrongType, conformance.KindRootType,
		conformance.KindMalformedJSON, conformance.KindEmptyBody, conformance.KindContentType, conformance.KindNoCredentials,
		conformance.KindExampleBody, conformance.KindGeneratedBodies, conformance.KindUndeclaredMethod} {
		if kinds[k] == 0 {
			t.Errorf("no case of kind %q for %s", k, op)
		}
	}
}

// Every case the second document yields, in order: name, kind and body.
var secondDocumentCases = []struct{ name, kind, body string }{
	{"POST /notes: the body as a string", "negative: body of another type", `"conformance-sample"`},
	{"POST /notes: the body as an integer", "negative: body of another type", `42`},
	{"POST /notes: the body as a fractional number", "negative: body of another type", `4.5`},
	{"POST /notes: the body as a boolean", "negative: body of another type", `true`},
	{"POST /notes: the body as an array", "negative: body of another type", `["conformance-sample"]`},
	{"POST /notes: the body as null", "negative: body of another type", `null`},
	{"POST /notes: title removed (required)", "negative: required property removed", `{"kind":"text"}`},
	{"POST /notes: title as an integer", "negative: property of another type", `{"kind":"text","title":42}`},
	{"POST /notes: title as a fractional number", "negative: property of another type", `{"kind":"text","title":4.5}`},
	{"POST /notes: title as a boolean", "negative: property of another type", `{"kind":"text","title":true}`},
	{"POST /notes: title as an array", "negative: property of another type", `{"kind":"text","title":["conformance-sample"]}`},
	{"POST /notes: title as an object", "negative: property of another type", `{"kind":"text","title":{"value":"conformance-sample"}}`},
	{"POST /notes: title as null", "negative: property of another type", `{"kind":"text","title":null}`},
	{"POST /notes: title over maxLength 8", "negative: string over maxLength", `{"kind":"text","title":"xxxxxxxxx"}`},
	{"POST /notes: kind as an integer", "negative: property of another type", `{"kind":42,"title":"shopping"}`},
	{"POST /notes: kind as a fractional number", "negative: property of another type", `{"kind":4.5,"title":"shopping"}`},
	{"POST /notes: kind as a boolean", "negative: property of another type", `{"kind":true,"title":"shopping"}`},
	{"POST /notes: kind as an array", "negative: property of another type", `{"kind":["conformance-sample"],"title":"shopping"}`},
	{"POST /notes: kind as an object", "negative: property of another type", `{"kind":{"value":"conformance-sample"},"title":"shopping"}`},
	{"POST /notes: kind as null", "negative: property of another type", `{"kind":null,"title":"shopping"}`},
	{"POST /notes: kind outside the enum", "negative: value outside the enum", `{"kind":"conformance-sample-not-in-enum","title":"shopping"}`},
	{"POST /notes: malformed JSON (cut short)", "negative: malformed JSON", `{"kind":"text","title":"shopping"`},
	{"POST /notes: malformed JSON (single quotes)", "negative: malformed JSON", `{'kind':'text','title':'shopping'}`},
	{"POST /notes: malformed JSON (a trailing comma)", "negative: malformed JSON", `{"kind":"text","title":"shopping",}`},
	{"POST /notes: an empty body", "negative: empty body", ``},
	{"POST /notes: Content-Type text/plain", "negative: undeclared content type", `{"kind":"text","title":"shopping"}`},
	{"POST /notes: Content-Type application/xml", "negative: undeclared content type", `{"kind":"text","title":"shopping"}`},
	{"POST /notes: Content-Type application/x-www-form-urlencoded", "negative: undeclared content type", `{"kind":"text","title":"shopping"}`},
	{"POST /notes: no Content-Type", "negative: undeclared content type", `{"kind":"text","title":"shopping"}`},
	{"POST /notes: no credentials", "negative: credentials left out", `{"kind":"text","title":"shopping"}`},
	{"POST /notes: apiKey presented empty", "negative: credentials left out", `{"kind":"text","title":"shopping"}`},
	{"POST /notes: header X-Tenant missing (required)", "negative: required header missing", `{"kind":"text","title":"shopping"}`},
	{"POST /notes: a body built from the schema", "positive: request built from the document", `{"kind":"text","title":"shopping"}`},
	{"POST /notes: bodies from a seeded generator", "positive: bodies from a seeded generator", ``},
	{"GET /notes/{noteId}: no credentials", "negative: credentials left out", ``},
	{"GET /notes/{noteId}: apiKey presented empty", "negative: credentials left out", ``},
	{"GET /notes/{noteId}: a request built from the document", "positive: request built from the document", ``},
	{"GET /notes: a method the path does not declare", "undeclared method", ``},
	{"HEAD /notes: a method the path does not declare", "undeclared method", ``},
	{"PUT /notes: a method the path does not declare", "undeclared method", ``},
	{"PATCH /notes: a method the path does not declare", "undeclared method", ``},
	{"DELETE /notes: a method the path does not declare", "undeclared method", ``},
	// HEAD /notes/{noteId} is not probed: RFC 9110 lets a server answer it as GET.
	{"POST /notes/{noteId}: a method the path does not declare", "undeclared method", ``},
	{"PUT /notes/{noteId}: a method the path does not declare", "undeclared method", ``},
	{"PATCH /notes/{noteId}: a method the path does not declare", "undeclared method", ``},
	{"DELETE /notes/{noteId}: a method the path does not declare", "undeclared method", ``},
}

func TestGenerateDerivesEachCaseOfASecondDocument(t *testing.T) {
	cases := conformance.Generate(loadFile(t, "testdata/generated.openapi.yaml"))
	if len(cases) != len(secondDocumentCases) {
		t.Errorf("%d cases, want %d", len(cases), len(secondDocumentCases))
	}
	for i, want := range secondDocumentCases {
		if i >= len(cases) {
			t.Errorf("missing case %q", want.name)
			continue
		}
		c := cases[i]
		if c.Name != want.name || string(c.Kind) != want.kind || string(c.Body) != want.body {
			t.Errorf("case %d:\n got  %q, %q, %s\n want %q, %q, %s", i, c.Name, c.Kind, c.Body, want.name, want.kind, want.body)
		}
	}
	for _, c := range cases {
		checkRequestShape(t, c)
	}
}

// checkRequestShape checks what every case of the second document must send besides its body.
func checkRequestShape(t *testing.T, c conformance.Case) {
	t.Helper()
	wantPath, wantMethod, _ := strings.Cut(strings.SplitN(c.Name, ":", 2)[0], " ")
	wantPath, wantMethod = strings.ReplaceAll(wantMethod, "{noteId}", "1"), wantPath
	if c.Path != wantPath || c.Method != wantMethod {
		t.Errorf("%s: sends %s %s", c.Name, c.Method, c.Path)
	}
	if c.Kind == conformance.KindUndeclaredMethod {
		if c.Expect != conformance.ExpectNotAllowed || c.Operation != nil || c.Body != nil {
			t.Errorf("%s: want no operation, no body and 404 or 405, got %+v", c.Name, c)
		}
		return
	}
	wantCreds := "the held access token as apiKey"
	switch {
	case strings.HasSuffix(c.Name, "no credentials"):
		wantCreds = "none"
	case strings.HasSuffix(c.Name, "presented empty"):
		wantCreds = "apiKey presented empty"
	}
	if got := c.Credentials.String(); got != wantCreds {
		t.Errorf("%s: credentials %q, want %q", c.Name, got, wantCreds)
	}
	wantTenant := ""
	if c.Method == http.MethodPost && c.Kind != conformance.KindHeaderMissing {
		wantTenant = "acme" // the parameter's example
	}
	if got := c.Header.Get("X-Tenant"); got != wantTenant {
		t.Errorf("%s: X-Tenant %q, want %q", c.Name, got, wantTenant)
	}
	wantCT := "application/json"
	switch {
	case c.Method == http.MethodGet, c.Name == "POST /notes: no Content-Type":
		wantCT = "-"
	case c.Kind == conformance.KindContentType:
		wantCT = strings.TrimPrefix(c.Name, "POST /notes: Content-Type ")
	}
	if c.ContentType != wantCT {
		t.Errorf("%s: Content-Type %q, want %q", c.Name, c.ContentType, wantCT)
	}
	wantExpect := conformance.ExpectDeclared4xx
	if c.Kind.Positive() {
		wantExpect = conformance.ExpectDeclaredNon5xx
	}
	if c.Expect != wantExpect {
		t.Errorf("%s: expects %q, want %q", c.Name, c.Expect, wantExpect)
	}
	// A positive POST would create a note on the server: not for production.
	if wantSafe := !(c.Kind.Positive() && c.Method == http.MethodPost); c.Safe() != wantSafe {
		t.Errorf("%s: safe %v, want %v", c.Name, c.Safe(), wantSafe)
	}
}

func TestExpectationNamesTheDeclaredStatuses(t *testing.T) {
	for _, c := range conformance.Generate(loadSpec(t)) {
		var want string
		switch c.Expect {
		case conformance.ExpectDeclared4xx:
			want = "a 4xx status the operation declares; never 2xx, never 5xx (declared: 400, 401)"
		case conformance.ExpectDeclaredNon5xx:
			want = "a status the operation declares, not a 5xx (declared: 201, 400, 401)"
		default:
			want = "404 or 405; never 2xx, never 5xx"
		}
		if got := c.Expectation(); got != want {
			t.Errorf("%s: %q, want %q", c.Name, got, want)
		}
	}
}

// generatedHarness serves handler as the target of doc and returns a client and the
// access token to present.
func generatedHarness(t *testing.T, doc *spec.Spec, handler http.Handler, base string) *conformance.Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	op, ok := doc.Operation(spec.RefreshOperationID)
	if !ok {
		op = doc.Operations()[0]
	}
	target := &conformance.Target{BaseURL: srv.URL + base, Spec: doc, Operation: op, Timeout: 5 * time.Second}
	return conformance.NewClient(target, conformance.NewRedactor(), nil)
}

// runAll runs every case as the suite does and returns the failures by case name.
func runAll(t *testing.T, cl *conformance.Client, cases []conformance.Case, token string) map[string]error {
	t.Helper()
	failures := map[string]error{}
	deadline := time.Now().Add(time.Minute)
	for _, c := range cases {
		var err error
		if c.Kind == conformance.KindGeneratedBodies {
			var sent int
			sent, err = conformance.CheckGeneratedBodies(context.Background(), cl, c, token, conformance.DefaultGeneratedCases, deadline)
			if err == nil && sent != conformance.DefaultGeneratedCases {
				t.Errorf("%s: sent %d bodies, want %d", c.Name, sent, conformance.DefaultGeneratedCases)
			}
		} else {
			err = conformance.CheckCase(context.Background(), cl, c, token)
		}
		if err != nil {
			failures[c.Name] = err
		}
	}
	return failures
}

func TestGeneratedCasesPassOnTheMock(t *testing.T) {
	for _, path := range []string{"", "../mock/testdata/extra.openapi.yaml"} {
		t.Run("document "+path, func(t *testing.T) {
			doc := loadSpec(t)
			if path != "" {
				doc = loadFile(t, path)
			}
			m, err := mock.NewServer(doc)
			if err != nil {
				t.Fatal(err)
			}
			s, err := m.NewSession(context.Background(), mock.NewSessionRequest{})
			if err != nil {
				t.Fatal(err)
			}
			cases := conformance.Generate(doc)
			start := time.Now()
			for name, err := range runAll(t, generatedHarness(t, doc, m, m.BasePath()), cases, s.AccessToken) {
				t.Errorf("%s: %v", name, err)
			}
			t.Logf("%d cases in %s", len(cases), time.Since(start))
		})
	}
}

func TestGeneratedCasesFailOnABrokenServer(t *testing.T) {
	doc := loadSpec(t)
	// It answers 201 with a token pair to anything, on any path and method.
	accepting := fixed(http.StatusCreated, "application/json", pairJSON(staticPair()))
	failures := runAll(t, generatedHarness(t, doc, accepting, "/v2"), conformance.Generate(doc), "an-access-token")
	for _, c := range conformance.Generate(doc) {
		_, failed := failures[c.Name]
		if failed == c.Kind.Positive() {
			t.Errorf("%s: failed %v on a server that accepts everything", c.Name, failed)
		}
	}
	mustFailWith(t, failures["POST /auth/refresh-token: refreshToken as null"],
		"is refused with a 4xx it declares", "answered 201 Created", "declared: 400, 401")
	mustFailWith(t, failures["DELETE /auth/refresh-token: a method the path does not declare"],
		"answers 404 or 405", "DELETE answered 201 Created")
}

// A server that breaks on refresh tokens longer than 5 characters: rapid finds one and
// shrinks it to the shortest, and the failure says how to draw it again.
func TestGeneratedBodiesShrinkToAMinimalBodyWithItsSeed(t *testing.T) {
	cwd := t.TempDir()
	t.Chdir(cwd) // where rapid would write its fail file, testdata/rapid/
	doc := loadSpec(t)
	broken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body spec.RefreshTokenRequest
		_ = json.NewDecoder(r.Body).Decode(&body)
		if len([]rune(body.RefreshToken)) > 5 {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"apiError":["unknown refresh token"]}`))
	})
	var generated conformance.Case
	for _, c := range conformance.Generate(doc) {
		if c.Kind == conformance.KindGeneratedBodies {
			generated = c
		}
	}
	client := generatedHarness(t, doc, broken, "/v2")
	reports := t.TempDir()
	client.Target().ReportDir = reports
	_, err := conformance.CheckGeneratedBodies(context.Background(), client, generated, "an-access-token", 100, time.Now().Add(time.Minute))
	mustFailWith(t, err, "answers a status the operation declares, not a 5xx", "500 Internal Server Error",
		`minimal body {"refreshToken":"AAAAAA"}`, "-rapid.seed=", "RAPID_SEED=", "--focus=", "reproduce: curl", "Authorization: Bearer")
	if _, err := os.Stat(filepath.Join(cwd, "testdata")); !os.IsNotExist(err) {
		t.Errorf("rapid wrote into the current directory (the source tree under go test): %v", err)
	}
	records, _ := filepath.Glob(filepath.Join(reports, "rapid", "*.txt"))
	if len(records) != 1 {
		t.Fatalf("fail records under the report directory: %v", records)
	}
	if record, _ := os.ReadFile(records[0]); !strings.Contains(string(record), "-rapid.seed=") {
		t.Errorf("the fail record has no seed: %s", record)
	}
}
