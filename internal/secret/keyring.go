// Package secret seals secret values at rest: AES-256-GCM with a fresh random nonce per write,
// the secret's name as associated data (a value moved to another name does not open), and the
// id of the sealing key in front, so keys can be rotated. Keys come from configuration, never
// from the database.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// KeySize is the length of an AES-256 key.
const KeySize = 32

// format is the version byte of a sealed value: version | len(keyID) | keyID | nonce | ciphertext.
const format byte = 1

// Errors of opening a sealed value. They never carry the value or the key.
var (
	// ErrUnknownKey means the value was sealed with a key this keyring does not hold.
	ErrUnknownKey = errors.New("sealed with a key that is not configured")
	// ErrCorrupt means the value was tampered with, belongs to another name, or is not a sealed value.
	ErrCorrupt = errors.New("sealed value failed authentication")
)

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Keyring holds the keys that open sealed values; the first one seals.
type Keyring struct {
	active string
	aeads  map[string]cipher.AEAD
	ids    []string
	// derived holds, per key id, the keys derived from it (HKDF) for other purposes.
	derived map[string]func(purpose string) []byte
}

// ParseKeys reads "id:base64key,id2:base64key2"; the first key seals, all open.
func ParseKeys(spec string) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, encoded, ok := strings.Cut(part, ":")
		if !ok || !keyIDPattern.MatchString(id) {
			return nil, fmt.Errorf("secret keys: want id:base64key with an id of letters, digits, _ or -")
		}
		raw, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil || len(raw) != KeySize {
			return nil, fmt.Errorf("secret keys: key %q must be %d bytes, base64-encoded", id, KeySize)
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("secret keys: key id %q given twice", id)
		}
		if err := k.add(id, raw); err != nil {
			return nil, err
		}
	}
	if len(k.ids) == 0 {
		return nil, errors.New("secret keys: no key given")
	}
	return k, nil
}

func (k *Keyring) add(id string, raw []byte) error {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return fmt.Errorf("secret keys: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("secret keys: %w", err)
	}
	if k.active == "" {
		k.active = id
	}
	k.aeads[id] = aead
	k.ids = append(k.ids, id)
	if k.derived == nil {
		k.derived = map[string]func(string) []byte{}
	}
	master := slices.Clone(raw)
	k.derived[id] = func(purpose string) []byte {
		key, err := hkdf.Key(sha256.New, master, nil, "podium "+purpose, KeySize)
		if err != nil {
			panic("secret: hkdf: " + err.Error()) // only for lengths sha256 cannot produce
		}
		return key
	}
	return nil
}

// Derive returns, for every key of the ring, a key derived from it for purpose (such as
// signing tokens), and the id of the active one: what the active key seals, every key opens.
func (k *Keyring) Derive(purpose string) (active string, keys map[string][]byte) {
	keys = make(map[string][]byte, len(k.derived))
	for id, derive := range k.derived {
		keys[id] = derive(purpose)
	}
	return k.active, keys
}

// GeneratedKeyFile is where LoadOrGenerate keeps a generated key inside the data directory.
const GeneratedKeyFile = "secret-key"

// LoadOrGenerate reads the key spec kept in dataDir, creating one (a random key with id
// "generated", file mode 0600) when there is none. It reports whether it created the key.
func LoadOrGenerate(dataDir string) (*Keyring, bool, error) {
	path := filepath.Join(dataDir, GeneratedKeyFile)
	if data, err := os.ReadFile(path); err == nil {
		k, err := ParseKeys(strings.TrimSpace(string(data)))
		return k, false, err
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("reading %s: %w", path, err)
	}
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, false, err
	}
	spec := "generated:" + base64.StdEncoding.EncodeToString(raw)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, false, fmt.Errorf("creating %s: %w", dataDir, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("creating %s: %w", path, err)
	}
	if _, err := f.WriteString(spec + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, false, err
	}
	k, err := ParseKeys(spec)
	return k, true, err
}

// ActiveKeyID is the id of the key new values are sealed with.
func (k *Keyring) ActiveKeyID() string { return k.active }

// Seal encrypts value for the secret name under the active key.
func (k *Keyring) Seal(name string, value []byte) ([]byte, error) {
	aead := k.aeads[k.active]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	out := make([]byte, 0, 2+len(k.active)+len(nonce)+len(value)+aead.Overhead())
	out = append(out, format, byte(len(k.active)))
	out = append(out, k.active...)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, value, []byte(name)), nil
}

// Open decrypts a value sealed for the secret name. A value of another name, a tampered value
// or one sealed under an unconfigured key is an error, never garbage.
func (k *Keyring) Open(name string, sealed []byte) ([]byte, error) {
	id, rest, err := splitSealed(sealed)
	if err != nil {
		return nil, err
	}
	aead, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w (key id %q)", ErrUnknownKey, id)
	}
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrCorrupt
	}
	nonce, ciphertext := rest[:aead.NonceSize()], rest[aead.NonceSize():]
	value, err := aead.Open(nil, nonce, ciphertext, []byte(name))
	if err != nil {
		return nil, ErrCorrupt
	}
	return value, nil
}

// KeyID returns the id of the key a value was sealed with.
func KeyID(sealed []byte) (string, error) {
	id, _, err := splitSealed(sealed)
	return id, err
}

func splitSealed(sealed []byte) (string, []byte, error) {
	if len(sealed) < 2 || sealed[0] != format || len(sealed) < 2+int(sealed[1]) {
		return "", nil, ErrCorrupt
	}
	n := int(sealed[1])
	return string(sealed[2 : 2+n]), sealed[2+n:], nil
}

// Ephemeral returns a keyring with one random key that exists only in memory: values sealed
// with it cannot be opened after the process ends. For tests and tools.
func Ephemeral() *Keyring {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		panic("secret: no randomness: " + err.Error())
	}
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	if err := k.add("ephemeral", raw); err != nil {
		panic("secret: " + err.Error())
	}
	return k
}
