package engine

import "strings"

// cutLoopSuffix splits a DO_WHILE iteration reference "ref__3" into "ref" and "3".
func cutLoopSuffix(ref string) (base, iteration string, ok bool) {
	return strings.Cut(ref, "__")
}
