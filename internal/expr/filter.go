package expr

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/theory/jsonpath"
	"github.com/theory/jsonpath/registry"
	"github.com/theory/jsonpath/spec"
	"github.com/tidwall/gjson"
)

// A filter [?(…)] is written in Jayway's syntax, translated to an RFC 9535 filter selector and
// compiled by github.com/theory/jsonpath once, when its path is parsed. Evaluation walks the
// document with gjson (plan.go, value.go) and asks the compiled selector only whether one
// candidate value passes, so the library never sees more than the values a filter tests.
//
// The translation accepts, inside the parentheses:
//
//   - paths from the current value: @, @.name, @['name'], @["name"], @[0], @[-1], @[*], @.*,
//     @..name, and a trailing .length() (RFC 9535 length(@.name));
//   - literals: numbers, 'single' or "double" quoted strings, true, false, null;
//   - comparisons ==, !=, <, <=, >, >= (and Jayway's type-strict === and !==, which are what
//     RFC 9535's == and != already are), existence (@.isbn), !, &&, || and parentheses;
//   - Jayway's regular expression match @.name =~ /re/ with the flags i, m, s and u: Jayway
//     requires the whole text to match, Go's regexp syntax is used.
//
// It refuses, with ErrUnsupportedPath: the document root $ (a filter sees only the values it
// tests), a filter inside a filter, Jayway's other operators (in, nin, subsetof, anyof,
// noneof, size, empty, contains, …), functions other than length(), and regular expressions
// Go cannot compile (look-arounds, back-references).
//
// Differences with Jayway that remain, all in what RFC 9535 defines: == never converts
// between a string and a number ('1' == 1 is false), < and > compare two numbers or two
// strings only, and a comparison needs single values on both sides (@[*] == 1 is an error).

// filter is a compiled [?(…)] selector.
type filter struct {
	sel *spec.FilterSelector
	// members are the members of an object the filter reads (@.a and @['b'] read a and b),
	// unless whole: then it may read anything (@, @[0], @.*, @..x).
	members []filterMember
	whole   bool
}

// filterMember is a member of an object a filter reads: its name and gjson path.
type filterMember struct {
	name, path string
}

// accepts reports whether the value r passes the filter. r is decoded for the library without
// copying its strings: the decoded value does not outlive the call. Of an object, only the
// members the filter reads are decoded.
func (f *filter) accepts(r gjson.Result) bool {
	if f.whole || !r.IsObject() {
		return f.sel.Eval(decodeTransient(r), nil)
	}
	obj := make(map[string]any, len(f.members))
	for _, m := range f.members {
		if v := r.Get(m.path); v.Exists() {
			obj[m.name] = decodeTransient(v)
		}
	}
	return f.sel.Eval(obj, nil)
}

// decodeTransient decodes a document node; its strings may share memory with the document.
func decodeTransient(r gjson.Result) any {
	switch r.Type {
	case gjson.False:
		return false
	case gjson.True:
		return true
	case gjson.Number:
		return json.Number(r.Raw)
	case gjson.String:
		return r.Str
	case gjson.JSON:
		if r.IsArray() {
			out := []any{}
			r.ForEach(func(_, e gjson.Result) bool {
				out = append(out, decodeTransient(e))
				return true
			})
			return out
		}
		out := map[string]any{}
		r.ForEach(func(k, e gjson.Result) bool {
			out[k.Str] = decodeTransient(e)
			return true
		})
		return out
	}
	return nil
}

// matchFunc is the name of the function extension Jayway's =~ is translated to.
const matchFunc = "jayway_match"

// regexCacheLimit bounds, like the other caches, the compiled regular expressions of filters.
const regexCacheLimit = 256 << 10

var (
	// regexes holds the compiled regular expressions of =~, keyed by their Go pattern. A nil
	// entry is a pattern that does not compile (never produced by a parsed filter).
	regexes = newCache[*regexp.Regexp](regexCacheLimit)
	// filterParser parses translated filters, with matchFunc registered.
	filterParser = newFilterParser()
)

func newFilterParser() *jsonpath.Parser {
	reg := registry.New()
	if err := reg.Register(matchFunc, spec.FuncLogical, checkMatchArgs, evalMatch); err != nil {
		panic("expr: registering " + matchFunc + ": " + err.Error())
	}
	return jsonpath.NewParser(jsonpath.WithRegistry(reg))
}

// checkMatchArgs validates a call of matchFunc, which only the translation writes: a value and
// a literal pattern.
func checkMatchArgs(args []spec.FuncExprArg) error {
	if len(args) != 2 || !args[0].ConvertsTo(spec.FuncValue) {
		return errors.New("=~ needs a single value on its left")
	}
	if lit, ok := args[1].(*spec.LiteralArg); !ok || lit == nil {
		return errors.New("=~ needs a /regex/ on its right")
	} else if _, ok := lit.Value().(string); !ok {
		return errors.New("=~ needs a /regex/ on its right")
	}
	return nil
}

// evalMatch is Jayway's =~: the whole text of a string, number or boolean matches the pattern.
func evalMatch(args []spec.PathValue) spec.PathValue {
	v, ok := args[0].(*spec.ValueType)
	if !ok || v == nil {
		return spec.LogicalFalse
	}
	var text string
	switch x := v.Value().(type) {
	case string:
		text = x
	case json.Number:
		text = string(x)
	case bool:
		text = strconv.FormatBool(x)
	default:
		return spec.LogicalFalse
	}
	p, ok := args[1].(*spec.ValueType)
	if !ok || p == nil {
		return spec.LogicalFalse
	}
	pattern, _ := p.Value().(string)
	re := regexes.get(pattern, compileRegex)
	return spec.Logical(re != nil && re.MatchString(text))
}

func compileRegex(pattern string) *regexp.Regexp {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil
	}
	return re
}

// parseFilter parses the filter [?(…)] at the start of s and returns it, compiled, and its
// length.
func parseFilter(s string) (Segment, *filter, int, error) {
	i := skipSpaces(s, skipSpaces(s, 1)+1) // past '[', '?' and the spaces around it
	if i >= len(s) || s[i] != '(' {
		return Segment{}, nil, 0, errors.New("a filter is written [?(…)]")
	}
	t := filterTranslator{src: s, i: i, operand: -1}
	if err := t.translate(); err != nil {
		shown := truncate(s[i:]) // the filter as far as it can be told where it ends
		if end := strings.Index(s[min(t.i, len(s)):], ")]"); end >= 0 {
			shown = truncate(s[i : t.i+end+2])
		}
		return Segment{}, nil, 0, fmt.Errorf("filter [?%s: %w", shown, err)
	}
	text := s[i:t.i]
	end := skipSpaces(s, t.i)
	if end >= len(s) || s[end] != ']' {
		return Segment{}, nil, 0, fmt.Errorf("filter [?%s: expected ']' after the filter's ')'", text)
	}
	q, err := filterParser.Parse("$[?" + string(t.out) + "]")
	if err != nil {
		return Segment{}, nil, 0, fmt.Errorf("filter [?%s]: %s", text, parseMessage(err))
	}
	sel, ok := filterSelector(q)
	if !ok { // cannot happen: the text is one filter selector
		return Segment{}, nil, 0, fmt.Errorf("filter [?%s]: not a filter", text)
	}
	f := &filter{sel: sel, whole: t.whole}
	for _, name := range t.names {
		f.members = append(f.members, filterMember{name: name, path: gjson.Escape(name)})
	}
	return Segment{Kind: SegmentFilter, Key: text}, f, end + 1, nil
}

// skipSpaces returns the index of the first byte of s from i on that is not a space.
func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

// filterSelector returns the one filter selector of q, a parsed "$[?…]".
func filterSelector(q *jsonpath.Path) (*spec.FilterSelector, bool) {
	segs := q.Query().Segments()
	if len(segs) != 1 || len(segs[0].Selectors()) != 1 {
		return nil, false
	}
	sel, ok := segs[0].Selectors()[0].(*spec.FilterSelector)
	return sel, ok
}

// parseMessage is the library's parse error without its prefix and its position, which count
// in the translated text rather than in the path as written.
func parseMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), jsonpath.ErrPathParse.Error()+": ")
	if at := strings.LastIndex(msg, " at position "); at >= 0 {
		msg = msg[:at]
	}
	return msg
}

// truncate shortens s, the rest of a path, for an error message.
func truncate(s string) string {
	const limit = 60
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// filterTranslator translates a Jayway filter expression, from its opening parenthesis to the
// one closing it, into RFC 9535 syntax.
type filterTranslator struct {
	src      string
	i        int      // next byte of src to read
	out      []byte   // the translation so far
	operand  int      // where in out the last token, when it is a path, starts; -1 otherwise
	compared bool     // the last token is a comparison operator
	multiple bool     // the last token is a path that may select several values
	names    []string // the members of @ the paths read, when not whole
	whole    bool     // a path reads @ otherwise than by a member name
}

// jaywayOperators are Jayway's filter operators written as words, none of which has an
// RFC 9535 equivalent.
var jaywayOperators = map[string]bool{
	"in": true, "nin": true, "subsetof": true, "anyof": true, "noneof": true, "size": true,
	"empty": true, "contains": true, "all": true, "type": true, "matches": true, "exists": true,
}

// unsupported is an ErrUnsupportedPath error for the construct format and args describe.
func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupportedPath, fmt.Sprintf(format, args...))
}

// translate reads the parenthesised expression at t.i and leaves t.i just past it.
func (t *filterTranslator) translate() error {
	depth := 0
	for t.i < len(t.src) {
		c := t.src[t.i]
		rest := t.src[t.i:]
		var err error
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if n := len(t.out); n > 0 && t.out[n-1] != ' ' {
				t.out = append(t.out, ' ')
			}
			t.i++ // a space does not end an operand
		case c == '(':
			depth++
			t.operator(1, "(")
		case c == ')':
			depth--
			t.operator(1, ")")
			if depth == 0 {
				return nil
			}
		case strings.HasPrefix(rest, "==="), strings.HasPrefix(rest, "!=="):
			err = t.comparison(3, rest[:2]) // RFC 9535's == and != never convert between types either
		case strings.HasPrefix(rest, "=~"):
			t.i += 2
			err = t.regex()
		case strings.HasPrefix(rest, "&&"), strings.HasPrefix(rest, "||"):
			t.operator(2, rest[:2])
		case strings.HasPrefix(rest, "=="), strings.HasPrefix(rest, "!="), strings.HasPrefix(rest, "<="),
			strings.HasPrefix(rest, ">="):
			err = t.comparison(2, rest[:2])
		case c == '<', c == '>':
			err = t.comparison(1, rest[:1])
		case c == '!':
			t.operator(1, rest[:1])
		case c == '@':
			err = t.path()
		case c == '$':
			err = unsupported("the document root $ in a filter (a filter sees only the values it tests)")
		case c == '\'' || c == '"':
			err = t.stringLiteral()
		case c == '-' || c >= '0' && c <= '9':
			t.number()
		case isNameByte(c):
			switch word := t.name(); {
			case word == "true" || word == "false" || word == "null":
				t.out = append(t.out, word...)
				t.literal()
			case jaywayOperators[strings.ToLower(word)]:
				err = unsupported("the filter operator %s", word)
			default:
				err = fmt.Errorf("unexpected %q", word)
			}
		default:
			r, _ := utf8.DecodeRuneInString(rest)
			err = fmt.Errorf("unexpected %q", r)
		}
		if err != nil {
			return err
		}
	}
	return errors.New("unterminated filter")
}

// operator reads n bytes of an operator or a parenthesis and writes tok for them.
func (t *filterTranslator) operator(n int, tok string) {
	t.i += n
	t.out = append(t.out, tok...)
	t.operand = -1
	t.compared, t.multiple = false, false
}

// literal notes that the last token is a literal (or another operand that is not a path).
func (t *filterTranslator) literal() {
	t.operand = -1
	t.compared, t.multiple = false, false
}

// comparison is operator for a comparison, whose operands must be single values.
func (t *filterTranslator) comparison(n int, tok string) error {
	if t.multiple {
		return errMultiple
	}
	t.operator(n, tok)
	t.compared = true
	return nil
}

var errMultiple = unsupported("a comparison with a path that may select several values (@[*], @.*, @..)")

// path translates a path from the current value, @…, writing every name in brackets.
func (t *filterTranslator) path() error {
	if err := t.pathSelectors(); err != nil {
		return err
	}
	if t.multiple && t.compared {
		return errMultiple
	}
	t.compared = false
	return nil
}

// pathSelectors does the work of path, setting t.operand and t.multiple.
func (t *filterTranslator) pathSelectors() error {
	t.multiple = false
	start := len(t.out)
	t.out = append(t.out, '@')
	t.i++
	t.readsMember()
	for t.i < len(t.src) {
		rest := t.src[t.i:]
		var err error
		switch {
		case strings.HasPrefix(rest, ".."):
			t.i += 2
			t.out = append(t.out, ".."...)
			t.multiple = true
			if t.i >= len(t.src) || t.src[t.i] != '[' {
				err = t.dotSelector(true)
			}
		case rest[0] == '.' && strings.HasPrefix(rest, ".length()"):
			t.i += len(".length()")
			t.out = append(t.out[:start], "length("+string(t.out[start:])+")"...)
			t.operand, t.multiple = start, false // the library checks length's argument
			if t.i < len(t.src) && (t.src[t.i] == '.' || t.src[t.i] == '[') {
				return unsupported("a path going on after length() in a filter")
			}
			return nil
		case rest[0] == '.':
			t.i++
			err = t.dotSelector(false)
		case rest[0] == '[':
			err = t.bracketSelector()
		default:
			t.operand = start
			return nil
		}
		if err != nil {
			return err
		}
	}
	t.operand = start
	return nil
}

// readsMember notes which member of @ the path at t.i (just past @) reads, or that it may read
// anything.
func (t *filterTranslator) readsMember() {
	rest := t.src[t.i:]
	var name string
	switch {
	case strings.HasPrefix(rest, ".") && !strings.HasPrefix(rest, "..") && !strings.HasPrefix(rest, ".length()"):
		n := 1
		for n < len(rest) && isNameByte(rest[n]) {
			n++
		}
		name = rest[1:n]
	case strings.HasPrefix(rest, "["):
		r := filterTranslator{src: t.src, i: skipSpaces(t.src, t.i+1)}
		if r.i < len(r.src) && (r.src[r.i] == '\'' || r.src[r.i] == '"') {
			name, _ = r.quoted()
		}
	}
	if name == "" { // @ itself, @[0], @[*], @.*, @..x, @.length(), or an empty name gjson cannot look up
		t.whole = true
		return
	}
	if !slices.Contains(t.names, name) {
		t.names = append(t.names, name)
	}
}

// dotSelector translates the name or * after '.' or, when deep, after '..'.
func (t *filterTranslator) dotSelector(deep bool) error {
	if t.i < len(t.src) && t.src[t.i] == '*' {
		t.i++
		t.multiple = true
		if deep {
			t.out = append(t.out, '*')
		} else {
			t.out = append(t.out, "[*]"...)
		}
		return nil
	}
	name := t.name()
	if name == "" {
		return errors.New("a name must follow '.' in a filter's path")
	}
	if t.i < len(t.src) && t.src[t.i] == '(' {
		return unsupported("the function %s() in a filter (only length() is)", name)
	}
	t.out = appendQuoted(append(t.out, '['), name)
	t.out = append(t.out, ']')
	return nil
}

// bracketSelector translates ['name'], ["name"], [0], [-1] or [*].
func (t *filterTranslator) bracketSelector() error {
	t.i++ // '['
	t.i = skipSpaces(t.src, t.i)
	if t.i >= len(t.src) {
		return errors.New("unterminated '[' in a filter")
	}
	switch c := t.src[t.i]; {
	case c == '\'' || c == '"':
		key, err := t.quoted()
		if err != nil {
			return err
		}
		t.out = appendQuoted(append(t.out, '['), key)
	case c == '*':
		t.i++
		t.multiple = true
		t.out = append(t.out, "[*"...)
	case c == '?':
		return unsupported("a filter inside a filter")
	case c == '-' || c >= '0' && c <= '9':
		start := t.i
		t.i++
		for t.i < len(t.src) && t.src[t.i] >= '0' && t.src[t.i] <= '9' {
			t.i++
		}
		idx := t.src[start:t.i]
		if _, err := strconv.Atoi(idx); err != nil {
			return fmt.Errorf("bad index [%s] in a filter", idx)
		}
		t.out = append(append(t.out, '['), idx...)
	default:
		return unsupported("the selector [%s in a filter", truncate(t.src[t.i:]))
	}
	t.i = skipSpaces(t.src, t.i)
	if t.i >= len(t.src) || t.src[t.i] != ']' {
		return unsupported("several selectors in one bracket in a filter")
	}
	t.i++
	t.out = append(t.out, ']')
	return nil
}

// isNameByte reports whether c may be part of a name written after a dot.
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '$' || c >= 0x80
}

// name reads a name (or a word) at t.i.
func (t *filterTranslator) name() string {
	start := t.i
	for t.i < len(t.src) && isNameByte(t.src[t.i]) {
		t.i++
	}
	return t.src[start:t.i]
}

// number copies a number literal; the library checks its form.
func (t *filterTranslator) number() {
	start := t.i
	t.i++
	for t.i < len(t.src) {
		c := t.src[t.i]
		if c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' ||
			(c == '+' || c == '-') && (t.src[t.i-1] == 'e' || t.src[t.i-1] == 'E') {
			t.i++
			continue
		}
		break
	}
	t.out = append(t.out, t.src[start:t.i]...)
	t.literal()
}

// stringLiteral translates a quoted string.
func (t *filterTranslator) stringLiteral() error {
	s, err := t.quoted()
	if err != nil {
		return err
	}
	t.out = appendQuoted(t.out, s)
	t.literal()
	return nil
}

// quoted reads the string quoted at t.i, with Java's escapes, and returns its value.
func (t *filterTranslator) quoted() (string, error) {
	quote := t.src[t.i]
	var b strings.Builder
	for j := t.i + 1; j < len(t.src); j++ {
		c := t.src[j]
		switch {
		case c == quote:
			t.i = j + 1
			return b.String(), nil
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		j++
		if j >= len(t.src) {
			break
		}
		switch e := t.src[j]; e {
		case '\'', '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if j+4 >= len(t.src) {
				return "", errors.New("bad \\u escape in a filter's string")
			}
			n, err := strconv.ParseUint(t.src[j+1:j+5], 16, 16)
			if err != nil {
				return "", errors.New("bad \\u escape in a filter's string")
			}
			b.WriteRune(rune(n))
			j += 4
		default:
			return "", fmt.Errorf("bad escape \\%c in a filter's string", e)
		}
	}
	return "", errors.New("unterminated string in a filter")
}

// appendQuoted appends s as an RFC 9535 single-quoted string.
func appendQuoted(buf []byte, s string) []byte {
	buf = append(buf, '\'')
	for _, r := range s {
		switch {
		case r == '\'' || r == '\\':
			buf = append(buf, '\\', byte(r))
		case r < 0x20:
			buf = fmt.Appendf(buf, `\u%04x`, r)
		case r == utf8.RuneError:
			buf = append(buf, `\ufffd`...)
		default:
			buf = utf8.AppendRune(buf, r)
		}
	}
	return append(buf, '\'')
}

// regexFlags maps Jayway's regular expression flags to Go's; u (Unicode case folding) is
// what Go's i already does.
var regexFlags = map[byte]string{'i': "i", 'm': "m", 's': "s", 'u': ""}

// regex translates "=~ /re/flags" (t.i is past =~) into a call of matchFunc on the operand
// before it.
func (t *filterTranslator) regex() error {
	if t.operand < 0 {
		return unsupported("=~ after something else than a path from @")
	}
	left := strings.TrimRight(string(t.out[t.operand:]), " ")
	t.out = t.out[:t.operand]
	t.i = skipSpaces(t.src, t.i)
	if t.i >= len(t.src) || t.src[t.i] != '/' {
		return unsupported("=~ with something else than a /regex/ on its right")
	}
	j := t.i + 1
	for ; j < len(t.src) && t.src[j] != '/'; j++ {
		if t.src[j] == '\\' {
			j++
		}
	}
	if j >= len(t.src) {
		return errors.New("unterminated /regex/ in a filter")
	}
	body := t.src[t.i+1 : j]
	t.i = j + 1
	var flags strings.Builder
	for t.i < len(t.src) && (t.src[t.i] >= 'a' && t.src[t.i] <= 'z' || t.src[t.i] >= 'A' && t.src[t.i] <= 'Z') {
		f, ok := regexFlags[t.src[t.i]]
		if !ok {
			return unsupported("the regular expression flag %c", t.src[t.i])
		}
		flags.WriteString(f)
		t.i++
	}
	if _, err := syntax.Parse(body, syntax.Perl); err != nil {
		return unsupported("the regular expression /%s/: %v", body, unwrapRegexError(err))
	}
	pattern := `\A(?:` + body + `)\z` // Jayway matches the whole text
	if flags.Len() > 0 {
		pattern = "(?" + flags.String() + ")" + pattern
	}
	t.out = append(t.out, matchFunc+"("...)
	t.out = append(t.out, left...)
	t.out = append(t.out, ", "...)
	t.out = appendQuoted(t.out, pattern)
	t.out = append(t.out, ')')
	t.literal()
	return nil
}

// unwrapRegexError is the reason of a regexp syntax error, without the pattern it repeats.
func unwrapRegexError(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s `%s`", se.Code, se.Expr)
	}
	return err.Error()
}
