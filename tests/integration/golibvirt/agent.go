package main

import (
	"errors"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
)

// agent: the guest-agent procedures on "golibvirt-agent" (its agent is up) and the error of
// "golibvirt-plain" (no agent channel); the Python test prepares both domains.
func init() {
	extraSteps["agent"] = func(c client) error {
		dom, err := c.l.DomainLookupByName("golibvirt-agent")
		if err != nil {
			return err
		}
		fsinfo, n, err := c.l.DomainGetFsinfo(dom, 0)
		if err != nil {
			return err
		}
		fmt.Printf("fsinfo: %d %s %s %s %v\n", n, fsinfo[0].Mountpoint, fsinfo[0].Name, fsinfo[0].Fstype,
			fsinfo[0].DevAliases)
		info, err := c.l.DomainGetGuestInfo(dom, uint32(libvirt.DomainGuestInfoHostname), 0)
		if err != nil {
			return err
		}
		fmt.Printf("guestinfo: %s=%v\n", info[0].Field, info[0].Value.I)
		if err := c.l.DomainSetGuestVcpus(dom, "1", 0, 0); err != nil {
			return err
		}
		vcpus, err := c.l.DomainGetGuestVcpus(dom, 0)
		if err != nil {
			return err
		}
		for _, p := range vcpus {
			fmt.Printf("guestvcpus: %s=%v\n", p.Field, p.Value.I)
		}
		frozen, err := c.l.DomainFsfreeze(dom, nil, 0)
		if err != nil {
			return err
		}
		thawed, err := c.l.DomainFsthaw(dom, nil, 0)
		if err != nil {
			return err
		}
		fmt.Printf("freeze: %d thaw: %d\n", frozen, thawed)
		if err := c.l.DomainSetTime(dom, 1000000, 5, 0); err != nil {
			return err
		}
		seconds, nseconds, err := c.l.DomainGetTime(dom, 0)
		if err != nil {
			return err
		}
		fmt.Printf("time: %t\n", seconds >= 1000000 && seconds < 1000100 && nseconds < 1000000000)
		if err := c.l.DomainAuthorizedSshKeysSet(dom, "root", []string{"ssh-ed25519 AAAA go@test"}, 0); err != nil {
			return err
		}
		keys, err := c.l.DomainAuthorizedSshKeysGet(dom, "root", 0)
		if err != nil {
			return err
		}
		fmt.Printf("sshkeys: %v\n", keys)
		if _, err := c.l.DomainAgentSetResponseTimeout(dom, 10, 0); err != nil {
			return err
		}
		ifaces, err := c.l.DomainInterfaceAddresses(dom, 1, 0)
		if err != nil {
			return err
		}
		fmt.Printf("ifaddr: %s %s/%d\n", ifaces[0].Name, ifaces[0].Addrs[0].Addr, ifaces[0].Addrs[0].Prefix)
		host, err := c.l.DomainGetHostname(dom, 0)
		if err != nil {
			return err
		}
		fmt.Printf("hostname: %s\n", host)
		plain, err := c.l.DomainLookupByName("golibvirt-plain")
		if err != nil {
			return err
		}
		_, _, err = c.l.DomainGetTime(plain, 0)
		var lerr libvirt.Error
		if !errors.As(err, &lerr) {
			return fmt.Errorf("expected a libvirt error, got %v", err)
		}
		fmt.Printf("error: code=%d message=%s\n", lerr.Code, lerr.Message)
		return nil
	}
}
