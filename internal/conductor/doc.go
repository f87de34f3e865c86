// Package conductor is the wire and domain vocabulary Podium shares with Conductor clients:
// workflow and task definitions, their enums and defaults, and the error kinds every layer
// maps to an HTTP status. It is a leaf package and imports only the standard library.
package conductor
