package systask

// Default returns a registry with every system task Podium ships, with default settings.
func Default() *Registry {
	return NewRegistry(NewHTTP(HTTPConfig{}), NewInline(InlineConfig{}))
}
