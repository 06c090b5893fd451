package main

// The "tuning" step: scheduler parameters, vCPU and IOThread pinning, IOThreads, perf events,
// SetVcpu and lifecycle actions of a running domain through go-libvirt's generated calls.
// The caller puts /var/lib/libvirt/images/gotune/vm.qcow2 in place.

import (
	"errors"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
)

const tuningXML = `<domain type='qemu'>
  <name>golibvirt-tune</name>
  <memory unit='MiB'>64</memory>
  <vcpu current='2'>4</vcpu>
  <iothreads>2</iothreads>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/gotune/vm.qcow2'/><target dev='vda' bus='virtio'/></disk>
  </devices>
</domain>`

func init() {
	extraSteps["tuning"] = func(c client) error { return c.tuning() }
}

func (c client) tuning() error {
	l := c.l
	dom, cleanup, err := c.runningDomain(tuningXML)
	if err != nil {
		return err
	}
	defer cleanup()

	shares := libvirt.TypedParam{Field: "cpu_shares", Value: *libvirt.NewTypedParamValueUllong(512)}
	if err := l.DomainSetSchedulerParametersFlags(dom, []libvirt.TypedParam{shares}, 0); err != nil {
		return err
	}
	params, err := l.DomainGetSchedulerParametersFlags(dom, 9, 0)
	if err != nil {
		return err
	}
	fmt.Printf("sched: n=%d %s=%v %s=%v\n", len(params), params[0].Field, params[0].Value.I, params[2].Field, params[2].Value.I)

	if err := l.DomainPinVcpuFlags(dom, 1, []byte{0x02}, 0); err != nil {
		return err
	}
	maps, num, err := l.DomainGetVcpuPinInfo(dom, 4, 1, 0)
	if err != nil {
		return err
	}
	fmt.Printf("vcpupin: num=%d maps=%v\n", num, maps)

	if err := l.DomainAddIothread(dom, 5, 0); err != nil {
		return err
	}
	if err := l.DomainPinIothread(dom, 5, []byte{0x01}, 0); err != nil {
		return err
	}
	info, count, err := l.DomainGetIothreadInfo(dom, 0)
	if err != nil {
		return err
	}
	fmt.Printf("iothreads: count=%d first=%d last=%d last-map=%v\n", count, info[0].IothreadID,
		info[len(info)-1].IothreadID, info[len(info)-1].Cpumap)

	err = l.DomainDelIothread(dom, 9, 0)
	var lerr libvirt.Error
	if errors.As(err, &lerr) {
		fmt.Printf("del iothread: code=%d message=%s\n", lerr.Code, lerr.Message)
	} else {
		return fmt.Errorf("deleting IOThread 9: %v", err)
	}

	perf, err := l.DomainGetPerfEvents(dom, 0)
	if err != nil {
		return err
	}
	fmt.Printf("perf: n=%d first=%s\n", len(perf), perf[0].Field)

	if err := l.DomainSetVcpu(dom, "2", 1, 0); err != nil {
		return err
	}
	if err := l.DomainSetLifecycleAction(dom, 2, 1, 0); err != nil {
		return err
	}
	fmt.Println("setvcpu and lifecycle: ok")
	return nil
}
