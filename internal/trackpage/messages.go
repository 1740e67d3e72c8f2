package trackpage

import (
	"fmt"
	"html/template"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"

	"github.com/parcelgate/parcelgate/internal/tag"
)

// Languages the page speaks, English first: it is the fallback.
var languages = []language.Tag{language.English, language.Polish, language.German, language.French}

// matcher picks one of languages. It and the tables below are built when
// a page first needs them, not at package initialisation, for the reason
// langs gives.
var matcher = sync.OnceValue(func() language.Matcher { return language.NewMatcher(languages) })

// text holds every sentence of the page, by key, in each language's order
// of the languages slice. %s marks the place of a value.
var text = sync.OnceValue(func() map[string][4]string {
	return map[string][4]string{
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
		"carrier-status":    {"Carrier: %s", "Przewoźnik: %s", "Zusteller: %s", "Transporteur : %s"},
		"carrier-link":      {"Track on %s's site", "Śledź na stronie %s", "Auf der Website von %s verfolgen", "Suivre sur le site de %s"},
		"estimate":          {"Expected delivery: %s to %s, most likely %s.", "Przewidywane doręczenie: od %s do %s, najpewniej %s.", "Voraussichtliche Zustellung: %s bis %s, am wahrscheinlichsten %s.", "Livraison prévue : du %s au %s, le plus probablement le %s."},
		"estimate-carrier":  {"The carrier's own estimate: %s.", "Szacunek przewoźnika: %s.", "Schätzung des Zustellers: %s.", "Estimation du transporteur : %s."},
		"estimate-rough":    {"Rough delivery estimate: %s to %s.", "Orientacyjny termin doręczenia: od %s do %s.", "Ungefähre Zustellung: %s bis %s.", "Estimation approximative de livraison : du %s au %s."},
	}
})

// tagNames names the tags, as the progress line and the history show
// them.
var tagNames = sync.OnceValue(func() map[tag.Tag][4]string {
	return map[tag.Tag][4]string{
		tag.Pending:            {"Awaiting information", "Oczekuje na informacje", "Warten auf Informationen", "En attente d'informations"},
		tag.InfoReceived:       {"Registered", "Zarejestrowana", "Angekündigt", "Enregistré"},
		tag.InTransit:          {"In transit", "W drodze", "Unterwegs", "En transit"},
		tag.OutForDelivery:     {"Out for delivery", "W doręczeniu", "In Zustellung", "En cours de livraison"},
		tag.AttemptFail:        {"Delivery attempt failed", "Nieudana próba doręczenia", "Zustellversuch erfolglos", "Échec de la livraison"},
		tag.AvailableForPickup: {"Ready for pickup", "Gotowa do odbioru", "Zur Abholung bereit", "Prêt à être retiré"},
		tag.Delivered:          {"Delivered", "Dostarczona", "Zugestellt", "Livré"},
		tag.Exception:          {"Delivery problem", "Problem z przesyłką", "Problem mit der Sendung", "Incident de livraison"},
		tag.Expired:            {"No recent news", "Brak nowych informacji", "Keine neuen Informationen", "Aucune nouvelle récente"},
	}
})

// subtagTexts says what each subtag means for the parcel's recipient: the
// current status's explanation, and the notice of a problem, so those of
// AttemptFail, Exception and Expired stand on their own.
var subtagTexts = sync.OnceValue(func() map[tag.Subtag][4]string {
	return map[tag.Subtag][4]string{
		"Pending_Other": {"The carrier has not reported this parcel yet.", "Przewoźnik nie zgłosił jeszcze tej przesyłki.", "Der Zusteller hat diese Sendung noch nicht gemeldet.", "Le transporteur n'a pas encore signalé ce colis."},

		"InfoReceived_Other":   {"The sender has registered the parcel; the carrier does not have it yet.", "Nadawca zarejestrował przesyłkę; przewoźnik jeszcze jej nie ma.", "Der Absender hat die Sendung angekündigt; sie ist noch nicht beim Zusteller.", "L'expéditeur a enregistré le colis ; le transporteur ne l'a pas encore."},
		"InfoReceived_Unknown": {"The carrier has reported the parcel; it has not been handed over yet.", "Przewoźnik zgłosił przesyłkę; nie została jeszcze nadana.", "Der Zusteller hat die Sendung gemeldet; sie wurde noch nicht übergeben.", "Le transporteur a signalé le colis ; il ne lui a pas encore été remis."},

		"InTransit_Other":            {"On the way.", "W drodze.", "Unterwegs.", "En route."},
		"InTransit_PickedUp":         {"The carrier has taken the parcel from the sender.", "Przewoźnik odebrał przesyłkę od nadawcy.", "Der Zusteller hat die Sendung vom Absender übernommen.", "Le transporteur a pris en charge le colis."},
		"InTransit_Arrived":          {"Arrived at a carrier facility.", "Dotarła do placówki przewoźnika.", "In einem Standort des Zustellers angekommen.", "Arrivé dans un site du transporteur."},
		"InTransit_Departed":         {"Left a carrier facility.", "Opuściła placówkę przewoźnika.", "Hat einen Standort des Zustellers verlassen.", "A quitté un site du transporteur."},
		"InTransit_CustomsClearance": {"In customs clearance.", "W odprawie celnej.", "In der Zollabfertigung.", "En cours de dédouanement."},
		"InTransit_CustomsCleared":   {"Released by customs.", "Zwolniona przez urząd celny.", "Vom Zoll freigegeben.", "Dédouané."},
		"InTransit_Redirected":       {"Redirected to another address or pickup point.", "Przekierowana na inny adres lub do innego punktu odbioru.", "An eine andere Adresse oder Abholstelle umgeleitet.", "Réacheminé vers une autre adresse ou un autre point de retrait."},
		"InTransit_Unknown":          {"On the way; the carrier reported an update.", "W drodze; przewoźnik przekazał aktualizację.", "Unterwegs; der Zusteller hat eine Aktualisierung gemeldet.", "En route ; le transporteur a signalé une mise à jour."},

		"OutForDelivery_Other": {"On the delivery vehicle: it should arrive soon.", "W pojeździe doręczającym: wkrótce dotrze.", "Im Zustellfahrzeug: Sie kommt bald an.", "Dans le véhicule de livraison : il arrive bientôt."},

		"AttemptFail_Other":          {"Delivery attempt failed: the carrier usually tries again or leaves a notice.", "Nieudana próba doręczenia: przewoźnik zwykle ponawia próbę lub zostawia awizo.", "Zustellversuch erfolglos: Der Zusteller versucht es meist erneut oder hinterlässt eine Benachrichtigung.", "Échec de la livraison : le transporteur fait généralement une nouvelle tentative ou laisse un avis de passage."},
		"AttemptFail_NoRecipient":    {"Delivery attempt failed: nobody was there to take the parcel.", "Nieudana próba doręczenia: nikogo nie było, by odebrać przesyłkę.", "Zustellversuch erfolglos: Niemand war da, um die Sendung anzunehmen.", "Échec de la livraison : personne n'était là pour recevoir le colis."},
		"AttemptFail_BusinessClosed": {"Delivery attempt failed: the business was closed.", "Nieudana próba doręczenia: firma była zamknięta.", "Zustellversuch erfolglos: Das Geschäft war geschlossen.", "Échec de la livraison : l'entreprise était fermée."},
		"AttemptFail_AddressIssue":   {"Delivery attempt failed: the address is wrong or incomplete.", "Nieudana próba doręczenia: adres jest błędny lub niepełny.", "Zustellversuch erfolglos: Die Adresse ist falsch oder unvollständig.", "Échec de la livraison : l'adresse est erronée ou incomplète."},
		"AttemptFail_NoAccess":       {"Delivery attempt failed: the courier could not reach the door or mailbox.", "Nieudana próba doręczenia: kurier nie mógł dotrzeć do drzwi ani skrzynki pocztowej.", "Zustellversuch erfolglos: Der Zusteller kam nicht an die Tür oder den Briefkasten.", "Échec de la livraison : le livreur n'a pas pu accéder à la porte ou à la boîte aux lettres."},

		"AvailableForPickup_Other":       {"Waiting to be collected.", "Czeka na odbiór.", "Wartet auf Abholung.", "En attente de retrait."},
		"AvailableForPickup_Locker":      {"Waiting in a parcel locker.", "Czeka w automacie paczkowym.", "Liegt in einem Paketautomaten bereit.", "Disponible dans une consigne automatique."},
		"AvailableForPickup_PickupPoint": {"Waiting at a pickup point.", "Czeka w punkcie odbioru.", "Liegt in einer Abholstelle bereit.", "Disponible dans un point relais."},
		"AvailableForPickup_Branch":      {"Waiting at the carrier's branch or post office.", "Czeka w oddziale przewoźnika lub na poczcie.", "Liegt in einer Filiale des Zustellers oder bei der Post bereit.", "Disponible en agence ou au bureau de poste."},

		"Delivered_Other":               {"Delivered.", "Doręczona.", "Zugestellt.", "Livré."},
		"Delivered_Signed":              {"Delivered and signed for.", "Doręczona za podpisem odbiorcy.", "Gegen Unterschrift zugestellt.", "Livré contre signature."},
		"Delivered_PickedUpByRecipient": {"Collected by the recipient.", "Odebrana przez odbiorcę.", "Vom Empfänger abgeholt.", "Retiré par le destinataire."},
		"Delivered_LeftAtDoor":          {"Left at the door, in the mailbox or in another safe place.", "Pozostawiona pod drzwiami, w skrzynce pocztowej lub w innym bezpiecznym miejscu.", "An der Tür, im Briefkasten oder an einem anderen sicheren Ort abgelegt.", "Déposé devant la porte, dans la boîte aux lettres ou dans un autre lieu sûr."},
		"Delivered_Neighbor":            {"Left with a neighbour.", "Pozostawiona u sąsiada.", "Bei einem Nachbarn abgegeben.", "Remis à un voisin."},

		"Exception_Other":        {"There is a problem with the delivery.", "Wystąpił problem z doręczeniem.", "Bei der Zustellung ist ein Problem aufgetreten.", "Un problème est survenu lors de la livraison."},
		"Exception_Returning":    {"Returning to sender.", "Wraca do nadawcy.", "Auf dem Rückweg zum Absender.", "En retour vers l'expéditeur."},
		"Exception_Returned":     {"Returned to sender.", "Zwrócona nadawcy.", "Zurück beim Absender.", "Retourné à l'expéditeur."},
		"Exception_Customs":      {"Held by customs.", "Zatrzymana przez urząd celny.", "Vom Zoll zurückgehalten.", "Retenu en douane."},
		"Exception_Damaged":      {"The parcel is damaged.", "Przesyłka jest uszkodzona.", "Die Sendung ist beschädigt.", "Le colis est endommagé."},
		"Exception_Lost":         {"The parcel is lost.", "Przesyłka zaginęła.", "Die Sendung ist verloren gegangen.", "Le colis est perdu."},
		"Exception_Delayed":      {"Delayed in the carrier's network.", "Opóźniona w sieci przewoźnika.", "Im Netz des Zustellers verzögert.", "Retardé dans le réseau du transporteur."},
		"Exception_AddressIssue": {"Cannot be delivered as addressed: the carrier needs a corrected address.", "Nie można doręczyć pod wskazany adres: przewoźnik potrzebuje poprawionego adresu.", "Unzustellbar: Der Zusteller braucht eine korrigierte Adresse.", "Livraison impossible à cette adresse : le transporteur a besoin d'une adresse corrigée."},
		"Exception_Refused":      {"The recipient refused the parcel.", "Odbiorca odmówił przyjęcia przesyłki.", "Der Empfänger hat die Annahme verweigert.", "Le destinataire a refusé le colis."},
		"Exception_Cancelled":    {"The shipment was cancelled.", "Przesyłka została anulowana.", "Die Sendung wurde storniert.", "L'envoi a été annulé."},
		"Exception_Held":         {"Held by the carrier, awaiting payment or instructions.", "Zatrzymana przez przewoźnika w oczekiwaniu na płatność lub instrukcje.", "Vom Zusteller zurückgehalten: Zahlung oder Anweisungen stehen aus.", "Retenu par le transporteur, en attente de paiement ou d'instructions."},
		"Exception_Unclaimed":    {"Not collected in time; it usually goes back to the sender.", "Nie została odebrana w terminie; zwykle wraca do nadawcy.", "Nicht rechtzeitig abgeholt; sie geht meist an den Absender zurück.", "Non retiré à temps ; il retourne généralement à l'expéditeur."},

		"Expired_Other": {"No news of the parcel for a long time: tracking has stopped.", "Od dawna brak informacji o przesyłce: śledzenie zakończono.", "Seit Langem keine Informationen zur Sendung: Die Verfolgung wurde beendet.", "Aucune nouvelle du colis depuis longtemps : le suivi est arrêté."},
	}
})

// statuses names the statuses of the expected flows. A status outside
// this table is shown as its words ("waiting_at_pickup" → "Waiting at pickup").
var statuses = sync.OnceValue(func() map[string][4]string {
	return map[string][4]string{
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
})

// newCatalog holds text, statuses, tagNames and subtagTexts; keys of the
// last three are prefixed "status:", "tag:" and "subtag:".
func newCatalog() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	add := func(prefix, key string, byLang [4]string) {
		for i, lt := range languages {
			mustSet(b, lt, prefix+key, byLang[i])
		}
	}
	for key, byLang := range text() {
		add("", key, byLang)
	}
	for key, byLang := range statuses() {
		add("status:", key, byLang)
	}
	for t, byLang := range tagNames() {
		add("tag:", string(t), byLang)
	}
	for s, byLang := range subtagTexts() {
		add("subtag:", string(s), byLang)
	}
	return b
}

// mustSet adds a message; one the catalog refuses is a bug in this file.
func mustSet(b *catalog.Builder, lt language.Tag, key, msg string) {
	if err := b.SetString(lt, key, msg); err != nil {
		panic(fmt.Sprintf("trackpage: message %s (%s): %v", key, lt, err))
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
	for i, lt := range languages {
		out[i] = Lang{Tag: lt, printer: message.NewPrinter(lt, message.Catalog(cat))}
		out[i].tmpl = newTemplates(out[i])
	}
	return out
})

// Match picks the page's language from an Accept-Language header; English
// when nothing matches or the header is malformed.
func Match(acceptLanguage string) Lang {
	tags, _, _ := language.ParseAcceptLanguage(acceptLanguage)
	_, i, _ := matcher().Match(tags...)
	return langs()[i]
}

// Code is the language's BCP 47 code, for lang= and Content-Language.
func (l Lang) Code() string { return l.Tag.String() }
