package search

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// cursorVersion prefixes every cursor, so that a later format can tell old cursors apart.
const cursorVersion = "1"

// EncodeCursor returns the opaque cursor of key (its start time to the microsecond and its
// id), "" for nil.
func EncodeCursor(key *store.SearchKey) string {
	if key == nil {
		return ""
	}
	raw := cursorVersion + "." + strconv.FormatInt(key.CreateTime.UnixMicro(), 10) + "." + key.WorkflowID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeCursor parses a cursor EncodeCursor made; anything else is a 400.
func DecodeCursor(cursor string) (*store.SearchKey, error) {
	invalid := conductor.Invalidf("Invalid cursor %q: pass the nextCursor of the page before as it is", cursor)
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, invalid
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 3 || parts[0] != cursorVersion {
		return nil, invalid
	}
	micros, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil, invalid
	}
	id, err := uuid.Parse(parts[2])
	if err != nil {
		return nil, invalid
	}
	return &store.SearchKey{CreateTime: time.UnixMicro(micros).UTC(), WorkflowID: id.String()}, nil
}
