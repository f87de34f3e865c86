package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/podiumhq/podium/internal/access"
	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/config"
)

// adminKeyFile is where a generated bootstrap admin key is kept inside the data directory.
const adminKeyFile = "admin-key.json"

// storedAdminKey is the file's content.
type storedAdminKey struct {
	KeyID     string `json:"keyId"`
	KeySecret string `json:"keySecret"`
}

// loadAdminKey returns the bootstrap admin key: PODIUM_ADMIN_KEY_ID/_SECRET, else a key
// generated once into the data directory (mode 0600). Its path is logged, never its secret.
func loadAdminKey(cfg config.Config, logger *slog.Logger) (access.AdminKey, error) {
	if cfg.AdminKeyID != "" {
		return access.AdminKey{ID: cfg.AdminKeyID, Secret: cfg.AdminKeySecret}, nil
	}
	path := filepath.Join(cfg.DataDir, adminKeyFile)
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		var k storedAdminKey
		if err := json.Unmarshal(data, &k); err != nil || k.KeyID == "" || len(k.KeySecret) < config.MinAdminSecretLen {
			return access.AdminKey{}, fmt.Errorf("the admin key file %s is damaged; remove it to generate a new key", path)
		}
		logger.Info("podium: using the admin key generated earlier", "path", path, "key_id", k.KeyID)
		return access.AdminKey{ID: k.KeyID, Secret: k.KeySecret}, nil
	case !errors.Is(err, fs.ErrNotExist):
		return access.AdminKey{}, fmt.Errorf("error reading the admin key file: %w", err)
	}
	k := storedAdminKey{KeyID: uuid.NewString(), KeySecret: auth.NewSecret()}
	data, err = json.MarshalIndent(k, "", "  ")
	if err != nil {
		return access.AdminKey{}, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return access.AdminKey{}, fmt.Errorf("error creating the data directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return access.AdminKey{}, fmt.Errorf("error creating the admin key file: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return access.AdminKey{}, fmt.Errorf("error writing the admin key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return access.AdminKey{}, fmt.Errorf("error writing the admin key file: %w", err)
	}
	logger.Warn("podium: no PODIUM_ADMIN_KEY_ID configured; generated an admin access key into the data directory (exchange it at POST /api/token)",
		"path", path, "key_id", k.KeyID)
	return access.AdminKey{ID: k.KeyID, Secret: k.KeySecret}, nil
}
