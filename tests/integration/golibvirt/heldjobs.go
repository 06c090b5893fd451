package main

// heldjob: a Go test holds a domain's save through the control API (`job` without a disk), sees
// the running job with DomainGetJobStats on the same go-libvirt connection while DomainSave waits,
// then fails it and gets libvirt's error for a failed save job.

import (
	"errors"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
)

func init() { extraSteps["heldjob"] = client.heldJob }

func (c client) heldJob() error {
	xml := fmt.Sprintf("<domain type='%s'><name>golibvirt-held</name><memory unit='MiB'>64</memory>"+
		"<os><type arch='x86_64'>hvm</type></os></domain>", c.virtType)
	dom, err := c.l.DomainDefineXML(xml)
	if err != nil {
		return err
	}
	if err := c.l.DomainCreate(dom); err != nil {
		return err
	}
	if _, err := control("job", `{"domain": "golibvirt-held", "action": "hold", "fraction": 0.5}`); err != nil {
		return err
	}
	saved := make(chan error, 1)
	go func() { saved <- c.l.DomainSave(dom, "/var/lib/libvirt/images/golibvirt-held.save") }()
	for i := 0; ; i++ { // until the save's job runs: each try a round trip on the same connection
		kind, params, err := c.l.DomainGetJobStats(dom, 0)
		if err != nil {
			return err
		}
		if kind == 2 {
			for _, p := range params {
				if p.Field == "operation" {
					fmt.Printf("heldjob running: type=%d operation=%v\n", kind, p.Value.I)
				}
			}
			break
		}
		if i == 1000 {
			return fmt.Errorf("the save's job never showed")
		}
	}
	if _, err := control("job", `{"domain": "golibvirt-held", "action": "fail"}`); err != nil {
		return err
	}
	var lerr libvirt.Error
	if err := <-saved; !errors.As(err, &lerr) {
		return fmt.Errorf("expected a libvirt error, got %v", err)
	}
	fmt.Printf("heldjob save: code=%d message=%s\n", lerr.Code, lerr.Message)
	state, reason, err := c.l.DomainGetState(dom, 0)
	if err != nil {
		return err
	}
	fmt.Printf("heldjob state: %d/%d\n", state, reason)
	return nil
}
