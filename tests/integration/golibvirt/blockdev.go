package main

// The "blockdev" step: a running domain's block devices through go-libvirt's generated calls.
// The caller puts /var/lib/libvirt/images/goblk/vm.qcow2 (64 MiB) and vm2.raw (32 MiB) in place.

import (
	"errors"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
)

const blockdevXML = `<domain type='qemu'>
  <name>golibvirt-blk</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/goblk/vm.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='/var/lib/libvirt/images/goblk/vm2.raw'/><target dev='vdb' bus='virtio'/></disk>
  </devices>
</domain>`

func init() {
	extraSteps["blockdev"] = func(c client) error { return c.blockdev() }
}

func (c client) blockdev() error {
	l := c.l
	dom, cleanup, err := c.runningDomain(blockdevXML)
	if err != nil {
		return err
	}
	defer cleanup()

	if err := l.DomainBlockResize(dom, "vda", 128<<20, libvirt.DomainBlockResizeBytes); err != nil {
		return err
	}
	_, capacity, _, err := l.DomainGetBlockInfo(dom, "vda", 0)
	if err != nil {
		return err
	}
	fmt.Printf("blockinfo: vda capacity=%d\n", capacity)

	_, count, err := l.DomainBlockStatsFlags(dom, "vda", 0, 0)
	if err != nil {
		return err
	}
	params, _, err := l.DomainBlockStatsFlags(dom, "vda", count, 0)
	if err != nil {
		return err
	}
	fmt.Printf("blockstats: nparams=%d first=%s\n", count, params[0].Field)

	tune := []libvirt.TypedParam{
		{Field: "total_iops_sec", Value: *libvirt.NewTypedParamValueUllong(200)},
		{Field: "group_name", Value: *libvirt.NewTypedParamValueString("gogrp")},
	}
	if err := l.DomainSetBlockIOTune(dom, "vdb", tune, 0); err != nil {
		return err
	}
	got, n, err := l.DomainGetBlockIOTune(dom, libvirt.OptString{"vdb"}, 20, 0)
	if err != nil {
		return err
	}
	values := map[string]interface{}{}
	for _, p := range got {
		values[p.Field] = p.Value.I
	}
	fmt.Printf("iotune: nparams=%d total_iops_sec=%v group_name=%v\n", n, values["total_iops_sec"], values["group_name"])

	buf, err := l.DomainBlockPeek(dom, "vdb", 0, 16, 0)
	if err != nil {
		return err
	}
	fmt.Printf("peek: %d bytes\n", len(buf))
	_, err = l.DomainBlockPeek(dom, "vda", 0, 16, 0)
	var lerr libvirt.Error
	if !errors.As(err, &lerr) {
		return fmt.Errorf("peek of qcow2: want a libvirt error, got %v", err)
	}
	fmt.Printf("peek qcow2: code=%d message=%s\n", lerr.Code, lerr.Message)

	if err := l.DomainSetBlockThreshold(dom, "vdb", 1<<20, 0); err != nil {
		return err
	}
	diskErrs, nerr, err := l.DomainGetDiskErrors(dom, 0, 0)
	if err != nil {
		return err
	}
	fmt.Printf("disk errors: disks=%d listed=%d\n", nerr, len(diskErrs))
	return nil
}
