package main

// The "testdriver" step: what a client of test:///default sees of libvirt's test driver's default
// node (domain "test", network "default", pool "default-pool", interface "eth1", node devices),
// and the driver's own answers for a stop, a start without disk images, a double suspend and a
// lookup of a missing domain.

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
)

func init() {
	extraSteps["testdriver"] = func(c client) error { return c.testdriver() }
}

func sorted(names []string) string {
	sort.Strings(names)
	return strings.Join(names, ",")
}

func (c client) testdriver() error {
	l := c.l
	version, err := l.ConnectGetVersion()
	if err != nil {
		return err
	}
	model, memory, cpus, mhz, nodes, _, _, _, err := l.NodeGetInfo()
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, ch := range model {
		if ch == 0 {
			break
		}
		b.WriteByte(byte(ch))
	}
	fmt.Printf("node: version=%d model=%s memory=%d cpus=%d mhz=%d nodes=%d\n",
		version, b.String(), memory, cpus, mhz, nodes)

	doms, _, err := l.ConnectListAllDomains(1, 0)
	if err != nil {
		return err
	}
	for _, d := range doms {
		state, reason, err := l.DomainGetState(d, 0)
		if err != nil {
			return err
		}
		fmt.Printf("domain: %s id=%d state=%d reason=%d\n", d.Name, d.ID, state, reason)
	}
	nets, _, err := l.ConnectListAllNetworks(1, 0)
	if err != nil {
		return err
	}
	pools, _, err := l.ConnectListAllStoragePools(1, 0)
	if err != nil {
		return err
	}
	ifaces, _, err := l.ConnectListAllInterfaces(1, 0)
	if err != nil {
		return err
	}
	devs, _, err := l.ConnectListAllNodeDevices(1, 0)
	if err != nil {
		return err
	}
	var names []string
	for _, n := range nets {
		names = append(names, n.Name)
	}
	fmt.Printf("networks: %s\n", sorted(names))
	names = nil
	for _, p := range pools {
		names = append(names, p.Name)
	}
	fmt.Printf("pools: %s\n", sorted(names))
	names = nil
	for _, i := range ifaces {
		names = append(names, i.Name+"/"+i.Mac)
	}
	fmt.Printf("interfaces: %s\n", sorted(names))
	names = nil
	for _, d := range devs {
		names = append(names, d.Name)
	}
	fmt.Printf("nodedevs: %s\n", sorted(names))

	dom, err := l.DomainLookupByName("test")
	if err != nil {
		return err
	}
	if err := l.DomainDestroy(dom); err != nil {
		return err
	}
	if err := l.DomainCreate(dom); err != nil { // its disk /guest/diskimage1 exists nowhere
		return err
	}
	again, err := l.DomainLookupByName("test")
	if err != nil {
		return err
	}
	state, reason, err := l.DomainGetState(again, 0)
	if err != nil {
		return err
	}
	fmt.Printf("restarted: id=%d state=%d reason=%d\n", again.ID, state, reason)
	printErr := func(what string, err error) error {
		var lerr libvirt.Error
		if !errors.As(err, &lerr) {
			return fmt.Errorf("%s: want a libvirt error, got %v", what, err)
		}
		fmt.Printf("error %s: code=%d message=%s\n", what, lerr.Code, lerr.Message)
		return nil
	}
	if err := l.DomainSuspend(again); err != nil {
		return err
	}
	if err := printErr("suspend", l.DomainSuspend(again)); err != nil {
		return err
	}
	if err := l.DomainResume(again); err != nil {
		return err
	}
	_, err = l.DomainLookupByName("golibvirt-nosuch")
	if err := printErr("lookup", err); err != nil {
		return err
	}
	_, _, err = l.ConnectListAllSecrets(1, 0)
	return printErr("secrets", err)
}
