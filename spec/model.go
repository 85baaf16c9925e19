package spec

import (
	"strings"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// The functions below hand libopenapi's model to the few callers that walk it (the mock's
// generic answers, the conformance request generators). They are functions, not methods:
// a package that imports spec pays for compiling libopenapi's types only when it calls
// one of them. Callers must not modify what they return.

// DocumentOf is the libopenapi document s was built from.
func DocumentOf(s *Spec) libopenapi.Document { return s.lib.(*library).doc }

// ModelOf is the libopenapi high-level model of s.
func ModelOf(s *Spec) *v3.Document { return s.lib.(*library).model }

// PathItemOf is the path item that declares op.
func PathItemOf(op *Operation) *v3.PathItem { return modelOf(op).item }

// OperationOf is the libopenapi operation object of op.
func OperationOf(op *Operation) *v3.Operation { return modelOf(op).op }

// ParametersOf lists op's path-item and operation parameters, path-item ones first.
func ParametersOf(op *Operation) []*v3.Parameter {
	return append([]*v3.Parameter(nil), modelOf(op).parameters...)
}

// ResponseOf returns the response object that covers code (see StatusKey), or nil.
func ResponseOf(op *Operation, code int) *v3.Response {
	key, ok := op.StatusKey(code)
	responses := modelOf(op).op.Responses
	if !ok || responses == nil {
		return nil
	}
	if key == "default" {
		return responses.Default
	}
	for k, r := range responses.Codes.FromOldest() {
		if strings.EqualFold(k, key) {
			return r
		}
	}
	return nil
}

// RequestMediaTypeOf is the request body's media type object for mediaType, or nil.
func RequestMediaTypeOf(op *Operation, mediaType string) *v3.MediaType {
	rb := modelOf(op).op.RequestBody
	if rb == nil || rb.Content == nil {
		return nil
	}
	mt, ok := rb.Content.Get(mediaType)
	if !ok {
		return nil
	}
	return mt
}

// RequestSchemaOf is the schema of the request body for mediaType, or nil.
func RequestSchemaOf(op *Operation, mediaType string) *base.Schema {
	mt := RequestMediaTypeOf(op, mediaType)
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Schema()
}
