package spec

import (
	"encoding/json"
	"strings"

	"github.com/appmaker/refresh-conformance/internal/flatjson"
)

// DecodeRefreshTokenRequest reads a refresh request body exactly as encoding/json reads
// it into a RefreshTokenRequest (the same value, the same acceptance), without its
// reflection for the flat bodies clients send.
func DecodeRefreshTokenRequest(body []byte) (RefreshTokenRequest, error) {
	var req RefreshTokenRequest
	var buf [8]flatjson.Member
	if members, ok := flatjson.Parse(body, buf[:0]); ok && decodeRefreshMembers(members, &req) {
		return req, nil
	}
	req = RefreshTokenRequest{}
	err := json.Unmarshal(body, &req)
	return req, err
}

// decodeRefreshMembers sets req from members as encoding/json would: a key matches the
// field case-insensitively, the last match wins, other keys are ignored. It reports false
// for what encoding/json would refuse or treat specially (a non-string value there).
func decodeRefreshMembers(members []flatjson.Member, req *RefreshTokenRequest) bool {
	for i := range members {
		m := &members[i]
		if !strings.EqualFold(string(m.Key), "refreshToken") {
			continue
		}
		if m.Kind != flatjson.String {
			return false
		}
		req.RefreshToken = string(m.Str)
	}
	return true
}

// AppendTokenPair appends p as the 201 body of the refresh operation, the bytes
// encoding/json writes for it.
func AppendTokenPair(dst []byte, p TokenPair) []byte {
	dst = append(dst, `{"accessToken":`...)
	dst = flatjson.AppendString(dst, p.AccessToken)
	dst = append(dst, `,"refreshToken":`...)
	dst = flatjson.AppendString(dst, p.RefreshToken)
	return append(dst, '}')
}
