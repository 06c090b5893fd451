package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
)

// The image /golibvirt/ck.qcow2 must exist (the Python test creates it in fakevirt's store).
const checkpointDomainXML = `<domain type='%s'>
  <name>golibvirt-ck</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='/golibvirt/ck.qcow2'/><target dev='vda' bus='virtio'/></disk>
  </devices>
</domain>`

func init() {
	extraSteps["checkpoints"] = func(c client) error { return c.checkpoints() }
}

func checkpointNames(list []libvirt.DomainCheckpoint) string {
	names := make([]string, 0, len(list))
	for _, ck := range list {
		names = append(names, ck.Name)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// checkpoints: create two checkpoints on a running domain, list them and their children, read the
// XML with its size, delete one, look up a missing one, then undefine with the metadata flag.
func (c client) checkpoints() error {
	dom, err := c.l.DomainDefineXMLFlags(fmt.Sprintf(checkpointDomainXML, c.virtType), 0)
	if err != nil {
		return err
	}
	if err := c.l.DomainCreate(dom); err != nil {
		return err
	}
	for _, name := range []string{"c1", "c2"} {
		ck, err := c.l.DomainCheckpointCreateXML(dom, "<domaincheckpoint><name>"+name+"</name></domaincheckpoint>", 0)
		if err != nil {
			return err
		}
		fmt.Printf("created: %s\n", ck.Name)
	}
	all, count, err := c.l.DomainListAllCheckpoints(dom, 1, 0)
	if err != nil {
		return err
	}
	fmt.Printf("list: %s ret=%d\n", checkpointNames(all), count)
	c1, err := c.l.DomainCheckpointLookupByName(dom, "c1", 0)
	if err != nil {
		return err
	}
	kids, _, err := c.l.DomainCheckpointListAllChildren(c1, 1, 0)
	if err != nil {
		return err
	}
	fmt.Printf("children of c1: %s\n", checkpointNames(kids))
	c2 := kids[0]
	parent, err := c.l.DomainCheckpointGetParent(c2, 0)
	if err != nil {
		return err
	}
	fmt.Printf("parent of c2: %s\n", parent.Name)
	xml, err := c.l.DomainCheckpointGetXMLDesc(c1, uint32(libvirt.DomainCheckpointXMLNoDomain|libvirt.DomainCheckpointXMLSize))
	if err != nil {
		return err
	}
	for _, line := range strings.Split(xml, "\n") {
		if strings.Contains(line, "<disk ") {
			fmt.Printf("c1 disk: %s\n", strings.TrimSpace(line))
		}
	}
	if err := c.l.DomainCheckpointDelete(c1, 0); err != nil {
		return err
	}
	all, _, err = c.l.DomainListAllCheckpoints(dom, 1, 0)
	if err != nil {
		return err
	}
	fmt.Printf("after delete: %s\n", checkpointNames(all))
	_, err = c.l.DomainCheckpointLookupByName(dom, "c1", 0)
	var lerr libvirt.Error
	if !errors.As(err, &lerr) {
		return fmt.Errorf("lookup of a deleted checkpoint: want a libvirt error, got %v", err)
	}
	fmt.Printf("error checkpoint: code=%d message=%s\n", lerr.Code, lerr.Message)
	if err := c.l.DomainDestroy(dom); err != nil {
		return err
	}
	err = c.l.DomainUndefineFlags(dom, 0)
	if !errors.As(err, &lerr) {
		return fmt.Errorf("undefine with a checkpoint: want a libvirt error, got %v", err)
	}
	fmt.Printf("error undefine: code=%d message=%s\n", lerr.Code, lerr.Message)
	return c.l.DomainUndefineFlags(dom, libvirt.DomainUndefineCheckpointsMetadata)
}
