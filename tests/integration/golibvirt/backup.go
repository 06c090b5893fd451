package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
)

// The image /golibvirt/bk.qcow2 must exist (the Python test creates it in fakevirt's store).
const backupDomainXML = `<domain type='%s'>
  <name>golibvirt-bk</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='/golibvirt/bk.qcow2'/><target dev='vda' bus='virtio'/></disk>
  </devices>
</domain>`

func init() {
	extraSteps["backup"] = func(c client) error { return c.backup() }
}

func jobParam(params []libvirt.TypedParam, name string) interface{} {
	for _, p := range params {
		if p.Field == name {
			return p.Value.I
		}
	}
	return nil
}

// backup: a pull backup with a checkpoint (the XML, the job's stats, the NBD greeting on its
// socket), a second begin refused, the abort and the completed job, then a push backup that
// completes on its own, and the error once no backup runs.
func (c client) backup() error {
	dom, err := c.l.DomainDefineXMLFlags(fmt.Sprintf(backupDomainXML, c.virtType), 0)
	if err != nil {
		return err
	}
	if err := c.l.DomainCreate(dom); err != nil {
		return err
	}
	sock := fmt.Sprintf("%s/golibvirt-bk-%d.sock", os.TempDir(), os.Getpid())
	pull := fmt.Sprintf("<domainbackup mode='pull'><server transport='unix' socket='%s'/></domainbackup>", sock)
	chk := "<domaincheckpoint><name>gb1</name></domaincheckpoint>"
	if err := c.l.DomainBackupBegin(dom, pull, libvirt.OptString{chk}, 0); err != nil {
		return err
	}
	xml, err := c.l.DomainBackupGetXMLDesc(dom, 0)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(xml, "\n") {
		if strings.Contains(line, "<disk ") || strings.Contains(line, "<scratch ") {
			fmt.Printf("backup xml: %s\n", strings.TrimSpace(line))
		}
	}
	kind, params, err := c.l.DomainGetJobStats(dom, 0)
	if err != nil {
		return err
	}
	fmt.Printf("job: type=%d operation=%v temp_total=%v\n", kind, jobParam(params, "operation"), jobParam(params, "disk_temp_total"))
	conn, err := net.DialTimeout("unix", sock, 5*time.Second)
	if err != nil {
		return err
	}
	greeting := make([]byte, 8)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Read(greeting); err != nil {
		return err
	}
	conn.Close()
	fmt.Printf("nbd: %s\n", greeting)
	var lerr libvirt.Error
	err = c.l.DomainBackupBegin(dom, pull, nil, 0)
	if !errors.As(err, &lerr) {
		return fmt.Errorf("second backup: want a libvirt error, got %v", err)
	}
	fmt.Printf("error second backup: code=%d\n", lerr.Code)
	if err := c.l.DomainAbortJob(dom); err != nil {
		return err
	}
	kind, params, err = c.l.DomainGetJobStats(dom, libvirt.DomainJobStatsCompleted)
	if err != nil {
		return err
	}
	fmt.Printf("completed: type=%d errmsg=%v\n", kind, jobParam(params, "errmsg"))
	push := "<domainbackup><incremental>gb1</incremental><disks><disk name='vda' type='file'>" +
		"<target file='/golibvirt/bk.inc'/></disk></disks></domainbackup>"
	if err := c.l.DomainBackupBegin(dom, push, nil, 0); err != nil {
		return err
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		kind, _, err = c.l.DomainGetJobStats(dom, 0)
		if err != nil || kind == int32(libvirt.DomainJobNone) || time.Now().After(deadline) {
			break
		}
	}
	kind, params, err = c.l.DomainGetJobStats(dom, libvirt.DomainJobStatsCompleted)
	if err != nil {
		return err
	}
	fmt.Printf("push: type=%d success=%v\n", kind, jobParam(params, "success"))
	_, err = c.l.DomainBackupGetXMLDesc(dom, 0)
	if !errors.As(err, &lerr) {
		return fmt.Errorf("no backup: want a libvirt error, got %v", err)
	}
	fmt.Printf("error no backup: code=%d message=%s\n", lerr.Code, lerr.Message)
	if err := c.l.DomainDestroy(dom); err != nil {
		return err
	}
	return c.l.DomainUndefineFlags(dom, libvirt.DomainUndefineCheckpointsMetadata)
}
