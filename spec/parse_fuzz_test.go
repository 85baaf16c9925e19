package spec_test

import (
	"testing"

	"github.com/appmaker/refresh-conformance/spec"
)

// FuzzParse feeds arbitrary documents to the loader behind --spec: it must answer a
// document or an error, never panic or hang, and a document it accepts must answer what
// the mock asks of it.
func FuzzParse(f *testing.F) {
	f.Add(spec.Embedded())
	f.Add([]byte(`{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{}}`))
	f.Add([]byte("openapi: 3.1.0\ninfo: {title: x, version: '1'}\nservers: [{url: 'http://localhost:5001/api/v1'}]\npaths:\n  /a/{id}:\n    get:\n      operationId: a\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n      responses: {'200': {description: ok}}\n"))
	f.Add([]byte(`{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{"/a":{"post":{"responses":{"200":{"$ref":"#/components/responses/Nope"}}}}}}`))
	f.Add([]byte(`{"swagger":"2.0","info":{"title":"x","version":"1"},"paths":{}}`))
	f.Add([]byte("a: &a [*a, *a]\nb: *a\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		doc, err := spec.Parse("fuzz", raw)
		if err != nil {
			return
		}
		_, _ = doc.LocalBasePath(), doc.Paths()
		for _, op := range doc.Operations() {
			_, _ = op.String(), op.Statuses()
			_, _ = op.RequestMediaTypes(), op.Security()
		}
	})
}
