package main

// The "files" step: volumes in and out as files through go-libvirt's own stream code: a 13-byte
// raw volume round-trips exactly, and a fresh qcow2 volume downloads as the qcow2 file it is.

import (
	"bytes"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
)

const filesPoolXML = `<pool type='dir'><name>golibvirt-files</name>
  <target><path>/tmp/files-ref/golibvirt</path></target></pool>`

func init() {
	extraSteps["files"] = func(c client) error { return c.files() }
}

func (c client) files() error {
	l := c.l
	pool, err := l.StoragePoolCreateXML(filesPoolXML, libvirt.StoragePoolCreateWithBuild)
	if err != nil {
		return err
	}
	defer l.StoragePoolDestroy(pool)

	raw, err := l.StorageVolCreateXML(pool, `<volume><name>t13</name><capacity>13</capacity>
  <target><format type='raw'/></target></volume>`, 0)
	if err != nil {
		return err
	}
	defer l.StorageVolDelete(raw, 0)
	data := []byte("hello, world\n")
	if err := l.StorageVolUpload(raw, bytes.NewReader(data), 0, 13, 0); err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	var got bytes.Buffer
	if err := l.StorageVolDownload(raw, &got, 0, 0, 0); err != nil {
		return fmt.Errorf("download: %w", err)
	}
	_, capacity, allocation, err := l.StorageVolGetInfo(raw)
	if err != nil {
		return err
	}
	fmt.Printf("raw: %q capacity=%d allocation=%d\n", got.Bytes(), capacity, allocation)

	qcow, err := l.StorageVolCreateXML(pool, `<volume><name>q.qcow2</name><capacity unit='MiB'>1</capacity>
  <target><format type='qcow2'/></target></volume>`, 0)
	if err != nil {
		return err
	}
	defer l.StorageVolDelete(qcow, 0)
	got.Reset()
	if err := l.StorageVolDownload(qcow, &got, 0, 0, 0); err != nil {
		return fmt.Errorf("download: %w", err)
	}
	fmt.Printf("qcow2 file: %d bytes, header %x\n", got.Len(), got.Bytes()[:8])
	return nil
}
