package main

// guest: the events and calls of a running guest through go-libvirt's own event decoding: the
// agent-lifecycle, resumed and started events of a start, a tray opening on eject, an NMI and a
// key, a refused PM wakeup, and a core dump's two migration passes (go-libvirt drops the
// job-completed event: its event decoder cannot read typed parameters). The image
// /var/lib/libvirt/images/golibvirt-cd.iso must exist.

import (
	"context"
	"errors"
	"fmt"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
)

const guestXML = `<domain type='%s'>
  <name>golibvirt-guest</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='cdrom'>
      <source file='/var/lib/libvirt/images/golibvirt-cd.iso'/>
      <target dev='hdc' bus='ide'/><readonly/>
    </disk>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
  </devices>
</domain>`

const ejectXML = `<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>`

func init() { extraSteps["guest"] = client.guest }

func next(ch <-chan interface{}) (interface{}, error) {
	select {
	case ev, ok := <-ch:
		if !ok {
			return nil, errors.New("event channel closed")
		}
		return ev, nil
	case <-time.After(10 * time.Second):
		return nil, errors.New("no event within 10 s")
	}
}

func (c client) guest() error {
	subscribe := func(id libvirt.DomainEventID) (<-chan interface{}, error) {
		return c.l.SubscribeEvents(context.Background(), id, libvirt.OptDomain{})
	}
	lifecycle, err := subscribe(libvirt.DomainEventIDLifecycle)
	if err != nil {
		return err
	}
	agent, err := subscribe(libvirt.DomainEventIDAgentLifecycle)
	if err != nil {
		return err
	}
	tray, err := subscribe(libvirt.DomainEventIDTrayChange)
	if err != nil {
		return err
	}
	passes, err := subscribe(libvirt.DomainEventIDMigrationIteration)
	if err != nil {
		return err
	}
	dom, err := c.l.DomainDefineXML(fmt.Sprintf(guestXML, c.virtType))
	if err != nil {
		return err
	}
	defer c.l.DomainUndefine(dom) //nolint:errcheck
	if err := c.l.DomainCreate(dom); err != nil {
		return err
	}
	ev, err := next(agent)
	if err != nil {
		return err
	}
	a := ev.(*libvirt.DomainEventCallbackAgentLifecycleMsg)
	fmt.Printf("agent: state=%d reason=%d\n", a.State, a.Reason)
	for i := 0; i < 3; i++ { // defined, then the start's resumed and started
		ev, err := next(lifecycle)
		if err != nil {
			return err
		}
		l := ev.(*libvirt.DomainEventCallbackLifecycleMsg)
		fmt.Printf("lifecycle: event=%d detail=%d\n", l.Msg.Event, l.Msg.Detail)
	}
	go func() { // go-libvirt's reader waits until each event is taken: the dump's pause and resume
		for range lifecycle {
		}
	}()
	if err := c.l.DomainUpdateDeviceFlags(dom, ejectXML, libvirt.DomainDeviceModifyLive); err != nil {
		return err
	}
	if ev, err = next(tray); err != nil {
		return err
	}
	t := ev.(*libvirt.DomainEventCallbackTrayChangeMsg)
	fmt.Printf("tray: %s reason=%d\n", t.Msg.DevAlias, t.Msg.Reason)
	if err := c.l.DomainInjectNmi(dom, 0); err != nil {
		return err
	}
	if err := c.l.DomainSendKey(dom, 0, 10, []uint32{30}, 0); err != nil {
		return err
	}
	fmt.Println("nmi and key: sent")
	var lerr libvirt.Error
	if err := c.l.DomainPmWakeup(dom, 0); !errors.As(err, &lerr) {
		return fmt.Errorf("pm wakeup: want a libvirt error, got %v", err)
	}
	fmt.Printf("wakeup: code=%d message=%s\n", lerr.Code, lerr.Message)
	if err := c.l.DomainCoreDumpWithFormat(dom, "/var/lib/libvirt/images/golibvirt.core", 0, 0); err != nil {
		return err
	}
	for i := 0; i < 2; i++ {
		if ev, err = next(passes); err != nil {
			return err
		}
		fmt.Printf("dump pass: %d\n", ev.(*libvirt.DomainEventCallbackMigrationIterationMsg).Iteration)
	}
	return c.l.DomainDestroy(dom)
}
