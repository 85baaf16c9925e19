package conformance_test

import (
	"fmt"

	"github.com/appmaker/refresh-conformance/conformance"
)

func ExampleParseHeaders() {
	h, err := conformance.ParseHeaders("X-Gateway-Key: k-123, X-Env=qa")
	fmt.Println(h.Get("X-Gateway-Key"), h.Get("X-Env"), err)
	// Output: k-123 qa <nil>
}

func ExampleCheckJWT() {
	fmt.Println(conformance.CheckJWT("opaque-token"))
	fmt.Println(conformance.CheckJWT("eyJhbGciOiJub25lIn0.e30."))
	fmt.Println(conformance.CheckJWT("eyJhbGciOiJIUzI1NiJ9.e30.c2ln"))
	// Output:
	// it has 1 dot-separated parts, not 3
	// its header says alg "none": it is unsigned
	// <nil>
}

func ExampleRedactor() {
	r := conformance.NewRedactor()
	r.AddFromJSON([]byte(`{"accessToken": "a1b2c3d4e5f6", "refreshToken": "f6e5d4c3b2a1"}`))
	fmt.Println(r.Redact(`curl -H 'Authorization: Bearer a1b2c3d4e5f6' --data '{"refreshToken":"f6e5d4c3b2a1"}'`))
	// Output: curl -H 'Authorization: Bearer [token#1]' --data '{"refreshToken":"[token#2]"}'
}
