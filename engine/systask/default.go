package systask

// Default returns a registry with every system task Podium ships, with default settings.
func Default() *Registry {
	return DefaultWith(HTTPConfig{})
}

// DefaultWith returns a registry with every system task Podium ships, the HTTP task configured
// by http.
func DefaultWith(http HTTPConfig) *Registry {
	return NewRegistry(NewHTTP(http), NewInline(InlineConfig{}))
}
