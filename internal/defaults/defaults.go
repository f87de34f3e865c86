// Package defaults holds the one rule by which Podium's configuration structs take their
// defaults: a setting that is zero or negative means "use the default". It imports only the
// standard library, so every layer (the system tasks included) may use it.
package defaults

// Number is a setting Positive applies to: a count, a size in bytes or a time.Duration.
type Number interface {
	~int | ~int32 | ~int64 | ~float64
}

// Positive returns v when it is positive, else def.
func Positive[T Number](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
