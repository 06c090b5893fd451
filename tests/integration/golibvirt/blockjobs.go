package main

// blockjobs: an active commit of a disk whose images the caller made under /var/lib/libvirt/images/gobj
// (top.qcow2 backed by base.qcow2), driven through go-libvirt's generated calls: the refusals a raw
// client gets from the server (with no client library checking first), info, speed and the pivot.

import (
	"errors"
	"fmt"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
)

const blockjobDomainXML = `<domain type='kvm'>
  <name>golibvirt-bj</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/gobj/top.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>`

func init() {
	extraSteps["blockjobs"] = func(c client) error { return c.blockjobs() }
}

func printErr(what string, err error) error {
	var lerr libvirt.Error
	if !errors.As(err, &lerr) {
		return fmt.Errorf("%s: expected a libvirt error, got %v", what, err)
	}
	fmt.Printf("error %s: code=%d message=%s\n", what, lerr.Code, lerr.Message)
	return nil
}

func (c client) blockjobs() error {
	dom, err := c.l.DomainDefineXML(blockjobDomainXML)
	if err != nil {
		return err
	}
	defer func() {
		_ = c.l.DomainDestroy(dom)
		_ = c.l.DomainUndefine(dom)
	}()
	if err := c.l.DomainCreate(dom); err != nil {
		return err
	}
	found, _, _, _, _, err := c.l.DomainGetBlockJobInfo(dom, "vda", 0)
	if err != nil {
		return err
	}
	fmt.Printf("info: found=%d\n", found)
	if err := printErr("abort", c.l.DomainBlockJobAbort(dom, "vda", 0)); err != nil {
		return err
	}
	err = c.l.DomainBlockRebase(dom, "vda", libvirt.OptString{}, 0, libvirt.DomainBlockRebaseShallow)
	if err := printErr("rebase", err); err != nil {
		return err
	}
	err = c.l.DomainBlockCommit(dom, "vda", libvirt.OptString{}, libvirt.OptString{}, 1, libvirt.DomainBlockCommitActive)
	if err != nil {
		return err
	}
	found, typ, bw, _, end, err := c.l.DomainGetBlockJobInfo(dom, "vda", 0)
	if err != nil {
		return err
	}
	fmt.Printf("info: found=%d type=%d bandwidth=%d end=%d\n", found, typ, bw, end)
	if err := c.l.DomainBlockJobSetSpeed(dom, "vda", 0, 0); err != nil {
		return err
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		_, _, _, cur, end, err := c.l.DomainGetBlockJobInfo(dom, "vda", 0)
		if err != nil {
			return err
		}
		if cur == end {
			fmt.Printf("ready: cur=%d\n", cur)
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the job did not get ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := c.l.DomainBlockJobAbort(dom, "vda", libvirt.DomainBlockJobAbortPivot); err != nil {
		return err
	}
	found, _, _, _, _, err = c.l.DomainGetBlockJobInfo(dom, "vda", 0)
	if err != nil {
		return err
	}
	fmt.Printf("pivoted: found=%d\n", found)
	return nil
}
