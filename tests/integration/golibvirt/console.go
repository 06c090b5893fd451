package main

// console.go: the console step (QEMU program, console errors), named "console".

import (
	"bytes"
	"context"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
)

const consoleDomainXML = `<domain type='%s'>
  <name>golibvirt-con</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <serial type='pty'/>
    <console type='pty'/>
    <graphics type='vnc' port='-1'/>
    <video><model type='cirrus'/></video>
  </devices>
</domain>`

func init() {
	extraSteps["console"] = func(c client) error { return c.console() }
}

func (c client) console() error {
	if old, err := c.l.DomainLookupByName("golibvirt-con"); err == nil { // left by an interrupted run
		c.l.DomainDestroy(old)
		c.l.DomainUndefine(old)
	}
	// DomainScreenshot is not here: go-libvirt cannot read its reply (it decodes the MIME type from
	// the stream's last packet), from libvirtd either, and sometimes waits for ever
	dom, err := c.l.DomainDefineXML(fmt.Sprintf(consoleDomainXML, c.virtType))
	if err != nil {
		return err
	}
	defer c.l.DomainUndefine(dom)
	if err := c.l.DomainCreate(dom); err != nil {
		return err
	}
	defer c.l.DomainDestroy(dom)
	status, err := c.l.QEMUDomainMonitorCommand(dom, `{"execute":"query-name"}`, 0)
	if err != nil {
		return err
	}
	fmt.Printf("monitor: %s\n", status[:len(`{"return":{"name":"golibvirt-con"}`)])
	hmp, err := c.l.QEMUDomainMonitorCommand(dom, "info status", 1)
	if err != nil {
		return err
	}
	fmt.Printf("hmp: %q\n", hmp)

	// a stopped domain has no console to open
	if err := c.l.DomainDestroy(dom); err != nil {
		return err
	}
	var out bytes.Buffer
	err = c.l.DomainOpenConsole(dom, nil, &out, 0)
	lerr, ok := err.(libvirt.Error)
	if !ok {
		return fmt.Errorf("console of a stopped domain: %v", err)
	}
	fmt.Printf("console: code=%d message=%s\n", lerr.Code, lerr.Message)

	// register and deregister, once the domain is stopped: go-libvirt closes the channel before it
	// deregisters, so a running domain's next QMP event (STOP on destroy, whose null details it cannot
	// decode, from libvirtd either) could race the deregistration and hang its reader; delivery is
	// tested with libvirt-python
	ctx, cancel := context.WithCancel(context.Background())
	events, err := c.l.SubscribeQEMUEvents(ctx, "golibvirt-con")
	if err != nil {
		cancel()
		return err
	}
	cancel()
	for range events {
	}
	fmt.Println("monitor events: subscribed and cancelled")
	return nil
}
