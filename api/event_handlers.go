package api

import (
	"bytes"
	"context"
	"net/http"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/events"
)

// eventService is what the event routes need (internal/events's service).
type eventService interface {
	Add(ctx context.Context, h *conductor.EventHandler, runAs string) error
	AddAll(ctx context.Context, hs []*conductor.EventHandler, runAs string) error
	Update(ctx context.Context, h *conductor.EventHandler, runAs string) error
	Delete(ctx context.Context, name string) error
	List(ctx context.Context) ([]*conductor.EventHandler, error)
	ForEvent(ctx context.Context, event string, activeOnly bool) ([]*conductor.EventHandler, error)
	Executions(ctx context.Context, req events.ExecutionsRequest) (*conductor.SearchResult[*conductor.EventExecution], error)
}

// handlerPrincipal is the principal a handler saved by r runs its actions as: the caller ("" with
// authentication off, when actions run unrestricted).
func handlerPrincipal(r *http.Request) string {
	if p := principalOf(r.Context()); p != nil {
		return p.ID
	}
	return ""
}

// addEventHandler answers POST /api/event: one handler (Conductor) or a list of them, all
// registered or none (Orkes; its SDKs send a one-element list).
func (s *server) addEventHandler(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if bytes.TrimSpace(body)[0] != '[' {
		h := new(conductor.EventHandler)
		if err = decodeBody(body, h); err == nil {
			err = s.events.Add(r.Context(), h, handlerPrincipal(r))
		}
	} else {
		var list []*conductor.EventHandler
		if err = decodeBody(body, &list); err == nil {
			err = s.events.AddAll(r.Context(), list, handlerPrincipal(r))
		}
	}
	s.writeEmpty(w, r, err)
}

// updateEventHandler answers PUT /api/event.
func (s *server) updateEventHandler(w http.ResponseWriter, r *http.Request) {
	s.saveEventHandler(w, r, s.events.Update)
}

func (s *server) saveEventHandler(w http.ResponseWriter, r *http.Request,
	save func(ctx context.Context, h *conductor.EventHandler, runAs string) error) {
	h := new(conductor.EventHandler)
	if err := decodeJSON(r, h); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := save(r.Context(), h, handlerPrincipal(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// listEventHandlers answers GET /api/event.
func (s *server) listEventHandlers(w http.ResponseWriter, r *http.Request) {
	list, err := s.events.List(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// eventHandlersFor answers GET /api/event/{name}?activeOnly=true: the handlers of event name.
func (s *server) eventHandlersFor(w http.ResponseWriter, r *http.Request) {
	activeOnly, err := queryBool(r, "activeOnly", true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.events.ForEvent(r.Context(), pathParam(r, "name"), activeOnly)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// deleteEventHandler answers DELETE /api/event/{name}.
func (s *server) deleteEventHandler(w http.ResponseWriter, r *http.Request) {
	if err := s.events.Delete(r.Context(), pathParam(r, "name")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// eventExecutions answers GET /api/event/executions?event=&name=&start=&size= (Podium's own
// route: Conductor has none): what handlers did with messages, newest first.
func (s *server) eventExecutions(w http.ResponseWriter, r *http.Request) {
	start, err := queryInt(r, "start", 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	size, err := queryInt(r, "size", events.ExecutionsSizeDefault)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	res, err := s.events.Executions(r.Context(), events.ExecutionsRequest{
		Event: q.Get("event"), Handler: q.Get("name"), Start: start, Size: size,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
