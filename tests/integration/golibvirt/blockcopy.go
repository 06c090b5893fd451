package main

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
)

// The domain the blockcopy step copies: its disk's image is made by the test beforehand.
const copyDomainXML = `<domain type='kvm'><name>golibvirt-copy</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='/var/lib/libvirt/images/golibvirt-copy.qcow2'/><target dev='vda' bus='virtio'/></disk>
</devices></domain>`

func init() {
	extraSteps["blockcopy"] = func(c client) error { return c.blockcopy() }
}

var sourceRe = regexp.MustCompile(`<source file='([^']*)' index='(\d+)'/>`)

// blockcopy: a persistent domain refuses a copy without TRANSIENT_JOB; with it the copy runs
// (typed parameters), gets ready, and the pivot puts the disk on the copy.
func (c client) blockcopy() error {
	dom, err := c.l.DomainDefineXML(copyDomainXML)
	if err != nil {
		return err
	}
	if err := c.l.DomainCreate(dom); err != nil {
		return err
	}
	dest := "<disk type='file'><source file='/var/lib/libvirt/images/golibvirt-copy.dst'/><driver type='qcow2'/></disk>"
	err = c.l.DomainBlockCopy(dom, "vda", dest, nil, 0)
	var lerr libvirt.Error
	if !errors.As(err, &lerr) {
		return fmt.Errorf("copy of a persistent domain: %v", err)
	}
	fmt.Printf("copy error: code=%d message=%s\n", lerr.Code, lerr.Message)
	params := []libvirt.TypedParam{
		{Field: "bandwidth", Value: *libvirt.NewTypedParamValueUllong(1 << 30)},
		{Field: "granularity", Value: *libvirt.NewTypedParamValueUint(65536)},
	}
	if err := c.l.DomainBlockCopy(dom, "vda", dest, params, libvirt.DomainBlockCopyTransientJob); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		found, typ, _, cur, end, err := c.l.DomainGetBlockJobInfo(dom, "vda", 0)
		if err != nil {
			return err
		}
		if found == 1 && cur == end {
			fmt.Printf("job: type=%d end=%d\n", typ, end)
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the copy never got ready (%d/%d)", cur, end)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := c.l.DomainBlockJobAbort(dom, "vda", libvirt.DomainBlockJobAbortPivot); err != nil {
		return err
	}
	xml, err := c.l.DomainGetXMLDesc(dom, 0)
	if err != nil {
		return err
	}
	if m := sourceRe.FindStringSubmatch(xml); m != nil {
		fmt.Printf("pivoted: %s index=%s\n", m[1], m[2])
	}
	if err := c.l.DomainDestroy(dom); err != nil {
		return err
	}
	return c.l.DomainUndefine(dom)
}
