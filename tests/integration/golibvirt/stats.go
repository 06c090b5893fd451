package main

// The "stats" step: a running domain's statistics through go-libvirt's generated calls.

import (
	"errors"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
)

const statsXML = `<domain type='qemu'>
  <name>golibvirt-stats</name>
  <memory unit='MiB'>64</memory>
  <vcpu>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <interface type='ethernet'><mac address='52:54:00:60:00:01'/><model type='virtio'/></interface>
    <memballoon model='virtio'/>
  </devices>
</domain>`

func init() {
	extraSteps["stats"] = func(c client) error { return c.stats() }
}

func (c client) stats() error {
	l := c.l
	dom, cleanup, err := c.runningDomain(statsXML)
	if err != nil {
		return err
	}
	defer cleanup()

	rx, _, _, _, tx, _, _, _, err := l.DomainInterfaceStats(dom, "52:54:00:60:00:01")
	if err != nil {
		return err
	}
	fmt.Printf("ifstats: rx=%d tx=%d\n", rx, tx)

	_, n, err := l.DomainGetCPUStats(dom, 0, -1, 1, 0)
	if err != nil {
		return err
	}
	params, _, err := l.DomainGetCPUStats(dom, uint32(n), -1, 1, 0)
	if err != nil {
		return err
	}
	fmt.Printf("cpustats: nparams=%d first=%s\n", n, params[0].Field)
	_, ncpus, err := l.DomainGetCPUStats(dom, 0, 0, 0, 0)
	if err != nil {
		return err
	}
	fmt.Printf("cpustats: host cpus=%d\n", ncpus)
	_, _, err = l.DomainGetCPUStats(dom, 0, -1, 2, 0)
	var lerr libvirt.Error
	if !errors.As(err, &lerr) {
		return fmt.Errorf("cpu stats with ncpus 2: %v", err)
	}
	fmt.Printf("cpustats ncpus 2: code=%d message=%s\n", lerr.Code, lerr.Message)

	if err := l.DomainSetMemoryStatsPeriod(dom, 5, libvirt.DomainMemLive); err != nil {
		return err
	}
	mem, err := l.DomainMemoryStats(dom, 13, 0)
	if err != nil {
		return err
	}
	fmt.Printf("memstats: first tag=%d last tag=%d\n", mem[0].Tag, mem[len(mem)-1].Tag)

	recs, err := l.ConnectGetAllDomainStats([]libvirt.Domain{dom}, 0, 0)
	if err != nil {
		return err
	}
	fields := map[string]bool{}
	for _, p := range recs[0].Params {
		fields[p.Field] = true
	}
	fmt.Printf("domstats: records=%d net.0.name=%v dirtyrate=%v\n", len(recs), fields["net.0.name"], fields["dirtyrate.calc_status"])
	return nil
}
