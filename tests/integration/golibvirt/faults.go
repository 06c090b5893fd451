package main

// faults: a Go test arms a fault through fakevirt's control API (plain HTTP + JSON at
// $FAKEVIRT_CONTROL) and sees it through go-libvirt: a DOMAIN_CREATE fault matched to one domain
// name fails only that domain's start, with the code and message it was given.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
)

func init() { extraSteps["faults"] = client.faults }

// control POSTs body to operation op of the control API and returns the answer's text.
func control(op string, body string) (string, error) {
	url := os.Getenv("FAKEVIRT_CONTROL")
	if !strings.HasPrefix(url, "tcp://") {
		return "", fmt.Errorf("FAKEVIRT_CONTROL must be tcp://HOST:PORT, not %q", url)
	}
	resp, err := http.Post("http://"+strings.TrimPrefix(url, "tcp://")+"/v1/"+op, "application/json",
		bytes.NewBufferString(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: HTTP %d %s", op, resp.StatusCode, text)
	}
	return string(text), nil
}

func (c client) faults() error {
	if _, err := control("fault.add", `{"procedure": "DOMAIN_CREATE", "match": {"domain": "golibvirt-f1"},
		"error": "VIR_ERR_OPERATION_FAILED:VIR_FROM_QEMU:injected by the Go test"}`); err != nil {
		return err
	}
	doms := map[string]libvirt.Domain{}
	for _, name := range []string{"golibvirt-f1", "golibvirt-f2"} {
		xml := fmt.Sprintf("<domain type='%s'><name>%s</name><memory unit='MiB'>64</memory>"+
			"<os><type arch='x86_64'>hvm</type></os></domain>", c.virtType, name)
		dom, err := c.l.DomainDefineXML(xml)
		if err != nil {
			return err
		}
		doms[name] = dom
	}
	if err := c.l.DomainCreate(doms["golibvirt-f2"]); err != nil {
		return err
	}
	fmt.Println("start golibvirt-f2: ok")
	err := c.l.DomainCreate(doms["golibvirt-f1"])
	var lerr libvirt.Error
	if !errors.As(err, &lerr) {
		return fmt.Errorf("expected a libvirt error, got %v", err)
	}
	fmt.Printf("start golibvirt-f1: code=%d message=%s\n", lerr.Code, lerr.Message)
	if err := c.l.DomainCreate(doms["golibvirt-f1"]); err != nil { // the fault fired once (count 1)
		return err
	}
	fmt.Println("start golibvirt-f1 again: ok")
	calls, err := control("calls", `{"procedure": "DOMAIN_CREATE"}`)
	if err != nil {
		return err
	}
	fmt.Printf("calls: %d create results: %d ok\n", strings.Count(calls, `"procedure"`), strings.Count(calls, `"ok"`))
	return nil
}
