package auth

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/podiumhq/podium/internal/defaults"
)

// DefaultThrottleEntries is Throttle.MaxEntries when it is 0.
const DefaultThrottleEntries = 10000

// Throttle limits failed logins. Failures are counted per (source, key id), where source is the
// caller's network address, and per source: after MaxFailures failures of one key id from one
// source within Window, that source's logins of that key id are refused until the window ends;
// after MaxSourceFailures failures from one source (whatever the key ids), every login from it
// is. One source's failures never block another source, so an anonymous caller cannot lock a
// key's owner out.
//
// Memory is bounded: windows expire, and each of the two tables holds at most MaxEntries
// windows; when one is full of live windows, the oldest is forgotten to make room.
type Throttle struct {
	// MaxFailures is how many failures of one key id from one source lock that pair.
	MaxFailures int
	// MaxSourceFailures is how many failures from one source lock it for every key id; 0 means
	// no such limit.
	MaxSourceFailures int
	// Window is how long a count lasts from its first failure.
	Window time.Duration
	// MaxEntries caps each table; 0 means DefaultThrottleEntries.
	MaxEntries int
	// Now defaults to time.Now.
	Now func() time.Time

	mu      sync.Mutex
	pairs   map[throttleKey]*failureWindow
	sources map[throttleKey]*failureWindow
}

// throttleKey is a digest, so that a table's memory does not grow with what callers send.
type throttleKey [sha256.Size]byte

func pairKey(source, keyID string) throttleKey {
	return sha256.Sum256([]byte("pair\x00" + source + "\x00" + keyID))
}

func sourceKey(source string) throttleKey { return sha256.Sum256([]byte("source\x00" + source)) }

type failureWindow struct {
	first time.Time
	count int
}

func (t *Throttle) now() time.Time {
	if t.Now == nil {
		return time.Now()
	}
	return t.Now()
}

// Blocked reports whether logins of keyID from source are refused now, and for how long still.
func (t *Throttle) Blocked(source, keyID string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var left time.Duration
	if l, n := t.live(t.pairs, pairKey(source, keyID), now); n >= t.MaxFailures {
		left = l
	}
	if t.MaxSourceFailures > 0 {
		if l, n := t.live(t.sources, sourceKey(source), now); n >= t.MaxSourceFailures && l > left {
			left = l
		}
	}
	return left > 0, left
}

// live returns how long the window of k in m lasts still and its count, dropping it when over.
func (t *Throttle) live(m map[throttleKey]*failureWindow, k throttleKey, now time.Time) (time.Duration, int) {
	f := m[k]
	if f == nil {
		return 0, 0
	}
	left := f.first.Add(t.Window).Sub(now)
	if left <= 0 {
		delete(m, k)
		return 0, 0
	}
	return left, f.count
}

// Fail records a failed login of keyID from source.
func (t *Throttle) Fail(source, keyID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pairs == nil {
		t.pairs, t.sources = map[throttleKey]*failureWindow{}, map[throttleKey]*failureWindow{}
	}
	now := t.now()
	t.count(t.pairs, pairKey(source, keyID), now)
	if t.MaxSourceFailures > 0 {
		t.count(t.sources, sourceKey(source), now)
	}
}

// count adds a failure to the window of k in m, starting a new window when there is none.
func (t *Throttle) count(m map[throttleKey]*failureWindow, k throttleKey, now time.Time) {
	f := m[k]
	if f == nil || now.Sub(f.first) >= t.Window {
		if f == nil {
			t.makeRoom(m, now)
		}
		f = &failureWindow{first: now}
		m[k] = f
	}
	f.count++
}

// makeRoom makes m hold fewer than MaxEntries windows: it drops the windows that are over and,
// when all are live, the oldest.
func (t *Throttle) makeRoom(m map[throttleKey]*failureWindow, now time.Time) {
	limit := defaults.Positive(t.MaxEntries, DefaultThrottleEntries)
	if len(m) < limit {
		return
	}
	var oldest throttleKey
	var oldestFirst time.Time
	for k, f := range m {
		if now.Sub(f.first) >= t.Window {
			delete(m, k)
		} else if oldestFirst.IsZero() || f.first.Before(oldestFirst) {
			oldest, oldestFirst = k, f.first
		}
	}
	if len(m) >= limit {
		delete(m, oldest)
	}
}

// Succeed forgets the failures of keyID from source. The source's own count stays: a caller
// holding one good key cannot wipe its record of guessing others.
func (t *Throttle) Succeed(source, keyID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.pairs, pairKey(source, keyID))
}

// Tracked returns how many windows the throttle holds (pairs and sources), for tests and metrics.
func (t *Throttle) Tracked() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pairs) + len(t.sources)
}
