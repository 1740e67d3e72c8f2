package systemtest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

func getPage(t *testing.T, e *apitest.Env, path, acceptLanguage string) apitest.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", path, nil)
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	return e.Do(t, req)
}

// inOrder fails unless each of parts occurs in body after the one before.
func inOrder(t *testing.T, body string, parts ...string) {
	t.Helper()
	at := 0
	for _, p := range parts {
		i := strings.Index(body[at:], p)
		if i < 0 {
			t.Fatalf("%q not found after offset %d in\n%s", p, at, body)
		}
		at += i + len(p)
	}
}

func TestTrackPageShowsStatusTimelineNewestFirstInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "inpost")
	inject(t, e, token, "ABC12345",
		seedShipment(nil),
		event(seedNumber, "confirmed", "PPN", nil, "2015-09-17T10:28:00.000+02:00"),
		event(seedNumber, "dispatched_by_sender", "NWP", "Kraków <b>&", "2015-09-17T11:28:00.000+02:00"),
	)
	r := getPage(t, e, "/track/"+seedNumber, "").Want(t, 200)
	body := string(r.Body)
	if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" || r.Header.Get("Content-Language") != "en" {
		t.Fatalf("headers %v", r.Header)
	}
	inOrder(t, body, `<html lang="en">`, "<h1>Parcel "+seedNumber+"</h1>",
		"Current status", "Dispatched by sender",
		"History", "Dispatched by sender", "Kraków &lt;b&gt;&amp;", "Confirmed")
	if strings.Contains(body, "<script") || strings.Contains(body, "ul.Reymonta") {
		t.Fatalf("a script or a recipient's detail on the page:\n%s", body)
	}

	pl := string(getPage(t, e, "/track/"+seedNumber, "pl-PL,pl;q=0.9,en;q=0.5").Want(t, 200).Body)
	inOrder(t, pl, `<html lang="pl">`, "Przesyłka "+seedNumber, "Aktualny status", "Nadana przez nadawcę", "Historia", "Potwierdzona")
	de := string(getPage(t, e, "/track/"+seedNumber, "de-AT").Want(t, 200).Body)
	inOrder(t, de, `<html lang="de">`, "Sendung "+seedNumber, "Vom Absender aufgegeben")
	fr := string(getPage(t, e, "/track/"+seedNumber, "fr-CA, en;q=0.1").Want(t, 200).Body)
	inOrder(t, fr, `<html lang="fr">`, "Colis "+seedNumber, "Déposé par l&#39;expéditeur")
	ja := getPage(t, e, "/track/"+seedNumber, "ja").Want(t, 200)
	if ja.Header.Get("Content-Language") != "en" {
		t.Fatalf("an unsupported language gets %q, want en", ja.Header.Get("Content-Language"))
	}
}

func TestTrackPageIsCachedLikeTheJSONResource(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "inpost")
	inject(t, e, token, "b1", seedShipment(nil), event(seedNumber, "confirmed", "PPN", nil, "2015-09-17T10:28:00.000+02:00"))
	en := getPage(t, e, "/track/"+seedNumber, "en").Want(t, 200)
	if en.Header.Get("Cache-Control") != "public, max-age=60" || en.Header.Get("Last-Modified") != "Thu, 17 Sep 2015 08:28:00 GMT" ||
		en.Header.Get("Vary") != "Accept-Language" {
		t.Fatalf("headers %v", en.Header)
	}
	pl := getPage(t, e, "/track/"+seedNumber, "pl").Want(t, 200)
	if pl.Header.Get("ETag") == en.Header.Get("ETag") {
		t.Fatal("the Polish and English pages share an entity tag")
	}
	req, _ := http.NewRequest("GET", "/track/"+seedNumber, nil)
	req.Header.Set("Accept-Language", "en")
	req.Header.Set("If-None-Match", en.Header.Get("ETag"))
	if got := e.Do(t, req).Want(t, 304); len(got.Body) != 0 {
		t.Fatalf("304 with a body: %s", got.Body)
	}
	// A newer event changes the page and its tag.
	inject(t, e, token, "b2", event(seedNumber, "dispatched_by_sender", "NWP", "Kraków", "2015-09-17T11:28:00.000+02:00"))
	if got := e.Do(t, req).Want(t, 200); got.Header.Get("ETag") == en.Header.Get("ETag") {
		t.Fatal("same tag after a new event")
	}
}

func TestTrackPageFriendly404And400(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	r := getPage(t, e, "/track/"+seedNumber, "de").Want(t, 404)
	inOrder(t, string(r.Body), `<html lang="de">`, "<h1>Sendung nicht gefunden</h1>", seedNumber+" (InPost Locker)")
	if r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("headers %v", r.Header)
	}
	r = getPage(t, e, "/track/"+`HELLO<i>"x"`, "").Want(t, 400)
	inOrder(t, string(r.Body), "<h1>Not a tracking number</h1>", "HELLO&lt;i&gt;&#34;x&#34;")
}
