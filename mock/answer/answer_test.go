package answer_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/appmaker/refresh-conformance/mock/answer"
	"github.com/appmaker/refresh-conformance/spec"
)

func createProject(t *testing.T) *spec.Operation {
	t.Helper()
	doc, err := spec.LoadFile("../testdata/extra.openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	op, ok := doc.Operation("createProject")
	if !ok {
		t.Fatal("the extra document declares no createProject")
	}
	return op
}

// An answer is what the document declares: its media type, its named examples in
// document order, the example Prefer names, the header's example.
func TestAnswersFollowTheDocument(t *testing.T) {
	op := createProject(t)
	if got := answer.MediaType(op, http.StatusCreated); got != "application/json" {
		t.Errorf("MediaType(201) = %q, want application/json", got)
	}
	if got := answer.ExampleNames(op, http.StatusCreated); !slices.Equal(got, []string{"small", "archived"}) {
		t.Errorf("ExampleNames(201) = %q, want [small archived]", got)
	}
	g := answer.New(1)
	body, err := g.Body(op, http.StatusCreated, "archived", false)
	if err != nil || string(body) != `{"createdAt":"2024-05-01T12:00:00Z","id":7,"name":"Old shop","status":"archived"}` {
		t.Errorf("Body(201, archived) = %s, %v", body, err)
	}
	if got := g.Headers(op, http.StatusCreated).Get("Location"); got != "/api/v1/projects/42" {
		t.Errorf("the Location header = %q, want the document's example", got)
	}
}

// Bodies built from the schema follow the seed: a mock given the same random source
// answers the same way on every run.
func TestGeneratedBodiesFollowTheSeed(t *testing.T) {
	op := createProject(t)
	a, b := answer.New(7), answer.New(7)
	for range 3 {
		x, errX := a.Body(op, http.StatusCreated, "", true)
		y, errY := b.Body(op, http.StatusCreated, "", true)
		if errX != nil || errY != nil || string(x) != string(y) {
			t.Fatalf("same seed, different bodies: %s (%v) and %s (%v)", x, errX, y, errY)
		}
	}
}
