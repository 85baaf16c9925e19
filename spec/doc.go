// Package spec loads the AppMaker OpenAPI document (embedded, or from a file) once
// and exposes what the mock and the conformance suite need from it: operations by
// operationId, their declared statuses and media types, server base paths, and validation.
//
// Compile time: no exported method, no alias and no field of an exported type (exported
// or not, however deep through unexported types) mentions a libopenapi type. A package
// that sees libopenapi's generic types through another package's types compiles for
// about 9 s of CPU more, even five lines of it; before this rule every importer of spec
// paid it (docs/PERFORMANCE.md, "Compile time"). So spec keeps libopenapi's values behind
// fields typed as an interface with plain methods (Spec) or as any (Operation), answers in
// plain types (ValidationError, Parameter, SecurityRequirement), and hands the model itself
// out only through top-level functions (model.go), which cost only the packages calling them.
package spec
