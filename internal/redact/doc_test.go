package redact_test

import (
	"fmt"

	"github.com/appmaker/refresh-conformance/internal/redact"
)

func ExampleJWTs() {
	fmt.Println(redact.JWTs("path /x/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"))
	// Output: path /x/[redacted]
}
