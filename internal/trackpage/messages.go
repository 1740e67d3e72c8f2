package trackpage

import (
	"fmt"
	"html/template"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Languages the page speaks, English first: it is the fallback.
var languages = []language.Tag{language.English, language.Polish, language.German, language.French}

var matcher = language.NewMatcher(languages)

// text holds every sentence of the page, by key, in each language's order
// of the languages slice. %s marks the place of a value.
var text = map[string][4]string{
	"site":              {"Parcel tracking", "Śledzenie przesyłek", "Sendungsverfolgung", "Suivi de colis"},
	"title":             {"Parcel %s", "Przesyłka %s", "Sendung %s", "Colis %s"},
	"current":           {"Current status", "Aktualny status", "Aktueller Status", "Statut actuel"},
	"updated":           {"Last update: %s", "Ostatnia aktualizacja: %s", "Letzte Aktualisierung: %s", "Dernière mise à jour : %s"},
	"no-events":         {"No status yet: the carrier has not reported this parcel.", "Brak statusu: przewoźnik nie zgłosił jeszcze tej przesyłki.", "Noch kein Status: Der Zusteller hat diese Sendung noch nicht gemeldet.", "Pas encore de statut : le transporteur n'a pas encore signalé ce colis."},
	"progress":          {"Progress", "Postęp", "Fortschritt", "Progression"},
	"step-done":         {"done", "zakończono", "erledigt", "terminé"},
	"step-current":      {"current", "obecnie", "aktuell", "en cours"},
	"step-next":         {"expected", "oczekiwane", "erwartet", "prévu"},
	"history":           {"History", "Historia", "Verlauf", "Historique"},
	"history-note":      {"Newest first.", "Od najnowszych.", "Neueste zuerst.", "Du plus récent au plus ancien."},
	"service":           {"Service", "Usługa", "Service", "Service"},
	"service-type":      {"Shipment type", "Rodzaj przesyłki", "Sendungsart", "Type d'envoi"},
	"service-last":      {"Current service", "Obecna usługa", "Aktueller Service", "Service actuel"},
	"service-changed":   {"Service changed", "Zmiana usługi", "Service geändert", "Service modifié"},
	"none":              {"none", "brak", "keine", "aucun"},
	"footer":            {"Times are local to where each event happened.", "Godziny są czasem lokalnym miejsca zdarzenia.", "Zeiten in der Ortszeit des jeweiligen Ereignisses.", "Heures locales du lieu de chaque événement."},
	"notfound-title":    {"Parcel not found", "Nie znaleziono przesyłki", "Sendung nicht gefunden", "Colis introuvable"},
	"notfound-text":     {"There is no tracking information about %s %s shipment yet.", "Brak jeszcze informacji o przesyłce %s (%s).", "Zu der Sendung %s (%s) liegen noch keine Informationen vor.", "Aucune information de suivi pour le colis %s (%s) pour le moment."},
	"notfound-hint":     {"If the parcel was sent recently, try again later.", "Jeśli przesyłka została nadana niedawno, spróbuj później.", "Wenn die Sendung gerade erst aufgegeben wurde, versuchen Sie es später erneut.", "Si le colis vient d'être envoyé, réessayez plus tard."},
	"unknown-title":     {"Not a tracking number", "To nie jest numer przesyłki", "Keine Sendungsnummer", "Numéro de suivi non reconnu"},
	"unknown-text":      {"We cannot tell which kind of shipment %s is.", "Nie możemy rozpoznać rodzaju przesyłki %s.", "Wir können nicht erkennen, zu welcher Sendungsart %s gehört.", "Nous ne pouvons pas identifier le type d'envoi de %s."},
	"unknown-hint":      {"Check the number on your receipt or shipping e-mail.", "Sprawdź numer na potwierdzeniu nadania lub w wiadomości e-mail.", "Prüfen Sie die Nummer auf dem Beleg oder in der Versand-E-Mail.", "Vérifiez le numéro sur votre reçu ou dans l'e-mail d'expédition."},
	"unavailable-title": {"Tracking is unavailable", "Śledzenie jest niedostępne", "Sendungsverfolgung nicht verfügbar", "Suivi indisponible"},
	"unavailable-text":  {"Please try again in a minute.", "Spróbuj ponownie za minutę.", "Bitte versuchen Sie es in einer Minute erneut.", "Veuillez réessayer dans une minute."},
}

// statuses names the statuses of the expected flows. A status outside
// this table is shown as its words ("waiting_at_pickup" → "Waiting at pickup").
var statuses = map[string][4]string{
	"created":                   {"Created", "Utworzona", "Erstellt", "Créé"},
	"offers_prepared":           {"Offers prepared", "Oferty przygotowane", "Angebote erstellt", "Offres préparées"},
	"offer_selected":            {"Offer selected", "Oferta wybrana", "Angebot ausgewählt", "Offre choisie"},
	"confirmed":                 {"Confirmed", "Potwierdzona", "Bestätigt", "Confirmé"},
	"dispatched_by_sender":      {"Dispatched by sender", "Nadana przez nadawcę", "Vom Absender aufgegeben", "Déposé par l'expéditeur"},
	"collected_from_sender":     {"Collected from sender", "Odebrana od nadawcy", "Beim Absender abgeholt", "Collecté chez l'expéditeur"},
	"taken_by_courier":          {"Taken by courier", "Przyjęta przez kuriera", "Vom Kurier übernommen", "Pris en charge par le coursier"},
	"adopted_at_source_branch":  {"At the sender's branch", "W oddziale nadawczym", "In der Abgangsfiliale", "À l'agence de départ"},
	"sent_from_source_branch":   {"Left the sender's branch", "Wysłana z oddziału nadawczego", "Abgangsfiliale verlassen", "Parti de l'agence de départ"},
	"adopted_at_sorting_center": {"At the sorting centre", "W sortowni", "Im Sortierzentrum", "Au centre de tri"},
	"sent_from_sorting_center":  {"Left the sorting centre", "Wysłana z sortowni", "Sortierzentrum verlassen", "Parti du centre de tri"},
	"adopted_at_target_branch":  {"At the delivery branch", "W oddziale docelowym", "In der Zielfiliale", "À l'agence de destination"},
	"out_for_delivery":          {"Out for delivery", "Wydana do doręczenia", "In Zustellung", "En cours de livraison"},
	"ready_to_pickup":           {"Ready to pick up", "Gotowa do odbioru", "Zur Abholung bereit", "Prêt à être retiré"},
	"delivered":                 {"Delivered", "Dostarczona", "Zugestellt", "Livré"},
	"label_created":             {"Label created", "Etykieta utworzona", "Versandetikett erstellt", "Étiquette créée"},
	"picked_up":                 {"Picked up", "Odebrana", "Abgeholt", "Enlevé"},
	"in_transit":                {"In transit", "W drodze", "Unterwegs", "En transit"},
	"arrived_at_facility":       {"Arrived at a facility", "Dotarła do terminalu", "Im Verteilzentrum angekommen", "Arrivé au centre"},
	"departed_facility":         {"Left a facility", "Opuściła terminal", "Verteilzentrum verlassen", "Parti du centre"},
	"customs_clearance":         {"In customs clearance", "Odprawa celna", "In der Zollabfertigung", "En dédouanement"},
	"cleared_customs":           {"Cleared customs", "Odprawiona celnie", "Verzollt", "Dédouané"},
}

// newCatalog holds text and statuses; keys of statuses are prefixed
// "status:".
func newCatalog() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for key, byLang := range text {
		for i, tag := range languages {
			mustSet(b, tag, key, byLang[i])
		}
	}
	for key, byLang := range statuses {
		for i, tag := range languages {
			mustSet(b, tag, "status:"+key, byLang[i])
		}
	}
	return b
}

// mustSet adds a message; one the catalog refuses is a bug in this file.
func mustSet(b *catalog.Builder, tag language.Tag, key, msg string) {
	if err := b.SetString(tag, key, msg); err != nil {
		panic(fmt.Sprintf("trackpage: message %s (%s): %v", key, tag, err))
	}
}

// Lang is one of the page's languages.
type Lang struct {
	Tag     language.Tag
	printer *message.Printer
	tmpl    *template.Template
}

// langs holds each language with its templates, parsed on the first page:
// every API function links this package, and building them at package
// initialisation made each one's cold start pay for the page.
var langs = sync.OnceValue(func() []Lang {
	cat := newCatalog()
	out := make([]Lang, len(languages))
	for i, tag := range languages {
		out[i] = Lang{Tag: tag, printer: message.NewPrinter(tag, message.Catalog(cat))}
		out[i].tmpl = newTemplates(out[i])
	}
	return out
})

// Match picks the page's language from an Accept-Language header; English
// when nothing matches or the header is malformed.
func Match(acceptLanguage string) Lang {
	tags, _, _ := language.ParseAcceptLanguage(acceptLanguage)
	_, i, _ := matcher.Match(tags...)
	return langs()[i]
}

// Code is the language's BCP 47 code, for lang= and Content-Language.
func (l Lang) Code() string { return l.Tag.String() }
