package systask

// Default returns a registry with every system task Podium ships, with default settings.
func Default() *Registry {
	return DefaultWith(HTTPConfig{})
}

// DefaultWith returns a registry with every system task Podium ships, the HTTP task configured
// by http. INLINE and LAMBDA run their scripts under the same limits.
func DefaultWith(http HTTPConfig) *Registry {
	var scripts ScriptLimits
	return NewRegistry(
		NewHTTP(http),
		NewInline(InlineConfig{ScriptLimits: scripts}),
		NewLambda(LambdaConfig{ScriptLimits: scripts}),
		NewJQ(JQConfig{}),
	)
}
