// Command golibvirt drives a libvirt RPC server with go-libvirt, a pure-Go client that shares no
// code with libvirt: its own XDR encoder, framing, streams and event dispatch.
//
//	golibvirt HOST:PORT URI [STEP...]
//
// Steps (all of them when none is given, in this order): domains, events, storage, errors.
// Each step prints "key: value" lines; any failure prints "FAIL <step>: <error>" and exits 1.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

const domainXML = `<domain type='%s'>
  <name>%s</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
</domain>`

const poolXML = `<pool type='dir'><name>golibvirt</name>
  <target><path>/tmp/golibvirt-pool</path></target></pool>`

const volXML = `<volume><name>data.raw</name><capacity unit='MiB'>2</capacity>
  <target><format type='raw'/></target></volume>`

// extraSteps are the steps other files of this package add in their init(): a family's scenario
// lives in its own file (blockjobs.go, checkpoints.go, ...) and runs only when named.
var extraSteps = map[string]func(client) error{}

type client struct {
	l        *libvirt.Libvirt
	virtType string
}

func fail(step string, err error) {
	fmt.Printf("FAIL %s: %v\n", step, err)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: golibvirt HOST:PORT URI [domains|events|storage|errors...]")
		os.Exit(2)
	}
	host, port, err := net.SplitHostPort(os.Args[1])
	if err != nil {
		fail("address", err)
	}
	uri := os.Args[2]
	steps := os.Args[3:]
	if len(steps) == 0 {
		steps = []string{"domains", "events", "storage", "errors"}
	}

	l := libvirt.NewWithDialer(dialers.NewRemote(host, dialers.UsePort(port),
		dialers.WithRemoteTimeout(5*time.Second)))
	if err := l.ConnectToURI(libvirt.ConnectURI(uri)); err != nil {
		fail("connect", err)
	}
	c := client{l: l, virtType: "kvm"}
	if strings.HasPrefix(uri, "test") {
		c.virtType = "test"
	}
	hvType, err := l.ConnectGetType()
	if err != nil {
		fail("connect", err)
	}
	fmt.Printf("connected: %s\n", hvType)

	for _, step := range steps {
		var err error
		if run, ok := extraSteps[step]; ok {
			err = run(c)
		} else {
			switch step {
			case "domains":
				err = c.domains()
			case "events":
				err = c.events()
			case "storage":
				err = c.storage()
			case "errors":
				err = c.errors()
			default:
				err = fmt.Errorf("unknown step %q", step)
			}
		}
		if err != nil {
			fail(step, err)
		}
	}
	if err := l.Disconnect(); err != nil {
		fail("disconnect", err)
	}
	fmt.Println("done")
}

func (c client) listNames(flags libvirt.ConnectListAllDomainsFlags) ([]string, error) {
	doms, _, err := c.l.ConnectListAllDomains(1, flags)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(doms))
	for _, d := range doms {
		names = append(names, d.Name)
	}
	sort.Strings(names)
	return names, nil
}

// domains: list, define, start, list again, and clean up.
func (c client) domains() error {
	names, err := c.listNames(0)
	if err != nil {
		return err
	}
	fmt.Printf("domains: %s\n", strings.Join(names, ","))
	dom, err := c.l.DomainDefineXML(fmt.Sprintf(domainXML, c.virtType, "golibvirt-dom"))
	if err != nil {
		return err
	}
	fmt.Printf("defined: %s id=%d uuid-bytes=%d\n", dom.Name, dom.ID, len(dom.UUID))
	if err := c.l.DomainCreate(dom); err != nil {
		return err
	}
	state, reason, err := c.l.DomainGetState(dom, 0)
	if err != nil {
		return err
	}
	fmt.Printf("started: state=%d reason=%d\n", state, reason)
	active, err := c.listNames(libvirt.ConnectListDomainsActive)
	if err != nil {
		return err
	}
	fmt.Printf("active: %s\n", strings.Join(active, ","))
	if err := c.l.DomainDestroy(dom); err != nil {
		return err
	}
	return c.l.DomainUndefine(dom)
}

// events: register for lifecycle events; define, start, destroy and undefine a domain and
// receive the events of each up to the one it ends with (the QEMU driver's start also shows
// QEMU's RESUMED before STARTED, its destroy the SHUTDOWN of the killed process before STOPPED).
func (c client) events() error {
	// The subscription stays until Disconnect: cancelling it earlier makes go-libvirt deregister
	// from a goroutine, racing with whatever the program calls next.
	events, err := c.l.LifecycleEvents(context.Background())
	if err != nil {
		return err
	}
	defer func() {
		go func() { // go-libvirt's reader waits until each event is taken
			for range events {
			}
		}()
	}()
	receive := func(last libvirt.DomainEventType) error {
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					return errors.New("event channel closed")
				}
				fmt.Printf("event: %s event=%d detail=%d\n", ev.Dom.Name, ev.Event, ev.Detail)
				if ev.Event == int32(last) {
					return nil
				}
			case <-time.After(10 * time.Second):
				return errors.New("no lifecycle event within 10 s")
			}
		}
	}
	dom, err := c.l.DomainDefineXML(fmt.Sprintf(domainXML, c.virtType, "golibvirt-ev"))
	if err != nil {
		return err
	}
	if err := receive(libvirt.DomainEventDefined); err != nil {
		return err
	}
	if err := c.l.DomainCreate(dom); err != nil {
		return err
	}
	if err := receive(libvirt.DomainEventStarted); err != nil {
		return err
	}
	if err := c.l.DomainDestroy(dom); err != nil {
		return err
	}
	if err := receive(libvirt.DomainEventStopped); err != nil {
		return err
	}
	if err := c.l.DomainUndefine(dom); err != nil {
		return err
	}
	return receive(libvirt.DomainEventUndefined)
}

// storage: a dir pool and a raw volume; upload a pattern through a stream, download it back.
func (c client) storage() error {
	pool, err := c.l.StoragePoolDefineXML(poolXML, 0)
	if err != nil {
		return err
	}
	if err := c.l.StoragePoolBuild(pool, 0); err != nil {
		return err
	}
	if err := c.l.StoragePoolCreate(pool, 0); err != nil {
		return err
	}
	vol, err := c.l.StorageVolCreateXML(pool, volXML, 0)
	if err != nil {
		return err
	}
	_, capacity, _, err := c.l.StorageVolGetInfo(vol)
	if err != nil {
		return err
	}
	fmt.Printf("volume: %s capacity=%d\n", vol.Name, capacity)

	data := make([]byte, 1<<20+12345) // more than one stream packet
	for i := range data {
		data[i] = byte(i*7 + i>>10)
	}
	if err := c.l.StorageVolUpload(vol, bytes.NewReader(data), 0, uint64(len(data)), 0); err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	fmt.Printf("uploaded: %d\n", len(data))
	var got bytes.Buffer
	if err := c.l.StorageVolDownload(vol, &got, 0, uint64(len(data)), 0); err != nil {
		return fmt.Errorf("download: %w", err)
	}
	fmt.Printf("downloaded: %d same=%t\n", got.Len(), bytes.Equal(got.Bytes(), data))

	if err := c.l.StorageVolDelete(vol, 0); err != nil {
		return err
	}
	if err := c.l.StoragePoolDestroy(pool); err != nil {
		return err
	}
	return c.l.StoragePoolUndefine(pool)
}

// errors: calls that must fail, with libvirt's code and message.
func (c client) errors() error {
	printErr := func(what string, err error) error {
		var lerr libvirt.Error
		if !errors.As(err, &lerr) {
			return fmt.Errorf("%s: want a libvirt error, got %v", what, err)
		}
		fmt.Printf("error %s: code=%d message=%s\n", what, lerr.Code, lerr.Message)
		return nil
	}
	_, err := c.l.DomainLookupByName("golibvirt-nosuch")
	if err := printErr("domain", err); err != nil {
		return err
	}
	_, err = c.l.StoragePoolLookupByName("golibvirt-nosuch")
	return printErr("pool", err)
}

// runningDomain defines and starts a domain; cleanup destroys and undefines it.
func (c client) runningDomain(xml string) (libvirt.Domain, func(), error) {
	l := c.l
	dom, err := l.DomainDefineXML(xml)
	if err != nil {
		return dom, nil, err
	}
	if err := l.DomainCreate(dom); err != nil {
		l.DomainUndefine(dom)
		return dom, nil, err
	}
	return dom, func() { l.DomainDestroy(dom); l.DomainUndefine(dom) }, nil
}
