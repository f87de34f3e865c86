package systask

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// HTTPMaxRedirectsDefault is how many redirects an HTTP task follows by default.
const HTTPMaxRedirectsDefault = 5

// EgressPolicy restricts the addresses HTTP tasks may connect to. It is checked against the
// resolved IP address of every connection the task's transport dials (each redirect included),
// so a name that resolves, or later re-resolves, to a refused address is refused too. The zero
// policy allows everything.
type EgressPolicy struct {
	// Allow, when not empty, lists the only networks connections may go to.
	Allow []netip.Prefix
	// Deny lists networks connections may never go to; it wins over Allow.
	Deny []netip.Prefix
}

// Active reports whether the policy restricts anything.
func (p EgressPolicy) Active() bool { return len(p.Allow) > 0 || len(p.Deny) > 0 }

// Check returns an *EgressError when the policy refuses ip, else nil. The unspecified
// addresses (0.0.0.0, ::), which connect to the local host, are refused by any active policy.
func (p EgressPolicy) Check(ip netip.Addr) error {
	if !p.Active() {
		return nil
	}
	ip = ip.Unmap()
	if ip.IsUnspecified() {
		return &EgressError{Addr: ip, Rule: "an unspecified address"}
	}
	for _, n := range p.Deny {
		if n.Contains(ip) {
			return &EgressError{Addr: ip, Rule: "denied network " + n.String()}
		}
	}
	if len(p.Allow) == 0 {
		return nil
	}
	for _, n := range p.Allow {
		if n.Contains(ip) {
			return nil
		}
	}
	return &EgressError{Addr: ip, Rule: "not in an allowed network"}
}

// control is a net.Dialer Control hook enforcing the policy on the address being dialed.
func (p EgressPolicy) control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("egress policy: cannot read the dialed address %q", address)
	}
	return p.Check(ip)
}

// EgressError says a connection was refused by the egress policy.
type EgressError struct {
	Addr netip.Addr
	Rule string
}

func (e *EgressError) Error() string {
	return fmt.Sprintf("destination address %s is refused by the HTTP task egress policy (%s)", e.Addr, e.Rule)
}
