// Package migrations holds Podium's schema as numbered golang-migrate files
// (NNNNNN_name.up.sql / .down.sql), embedded so the server binary carries them.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
