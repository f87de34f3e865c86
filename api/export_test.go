package api

// RouteTemplate exposes routeTemplate to the black-box tests.
var RouteTemplate = routeTemplate
