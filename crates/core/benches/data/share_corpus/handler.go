package shortener

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Store keeps short codes and their targets. The in-memory version below is used in tests;
// production uses the Postgres implementation in store_pg.go.
type Store interface {
	Put(ctx context.Context, code string, link Link) error
	Get(ctx context.Context, code string) (Link, error)
	Hit(ctx context.Context, code string) error
}

type Link struct {
	Target    string    `json:"target"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitempty"`
	Hits      int64     `json:"hits"`
}

var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("code already exists")
)

const alphabet = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"

// newCode returns a random code without look-alike characters (0/O, 1/l/I).
func newCode(n int) (string, error) {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	for i, b := range buf {
		buf[i] = alphabet[int(b)%len(alphabet)]
	}
	return string(buf), nil
}

type Handler struct {
	store   Store
	baseURL string
	now     func() time.Time
	log     *slog.Logger
}

func NewHandler(store Store, baseURL string, log *slog.Logger) *Handler {
	return &Handler{store: store, baseURL: strings.TrimRight(baseURL, "/"), now: time.Now, log: log}
}

func (h *Handler) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/links", h.create)
	mux.HandleFunc("GET /api/links/{code}", h.stats)
	mux.HandleFunc("GET /{code}", h.redirect)
	return mux
}

type createRequest struct {
	URL     string `json:"url"`
	Code    string `json:"code,omitempty"`
	TTLDays int    `json:"ttl_days,omitempty"`
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body")
		return
	}
	target, err := url.Parse(req.URL)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		writeError(w, http.StatusBadRequest, "url must be an absolute http(s) URL")
		return
	}
	link := Link{Target: target.String(), CreatedAt: h.now().UTC()}
	if req.TTLDays > 0 {
		link.ExpiresAt = link.CreatedAt.AddDate(0, 0, req.TTLDays)
	}
	code := req.Code
	for attempt := 0; ; attempt++ {
		if code == "" {
			if code, err = newCode(7); err != nil {
				writeError(w, http.StatusInternalServerError, "could not generate a code")
				return
			}
		}
		err = h.store.Put(r.Context(), code, link)
		if err == nil {
			break
		}
		if errors.Is(err, ErrExists) && req.Code == "" && attempt < 3 {
			code = ""
			continue
		}
		if errors.Is(err, ErrExists) {
			writeError(w, http.StatusConflict, "that code is taken")
			return
		}
		h.log.Error("store put failed", "err", err)
		writeError(w, http.StatusInternalServerError, "storage error")
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"code": code, "short_url": h.baseURL + "/" + code, "link": link})
}

func (h *Handler) redirect(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	link, err := h.store.Get(r.Context(), code)
	if errors.Is(err, ErrNotFound) || (err == nil && !link.ExpiresAt.IsZero() && h.now().After(link.ExpiresAt)) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.log.Error("store get failed", "code", code, "err", err)
		http.Error(w, "storage error", http.StatusInternalServerError)
		return
	}
	// Counting is best effort: a failure must not break the redirect.
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := h.store.Hit(ctx, code); err != nil {
			h.log.Warn("hit count failed", "code", code, "err", err)
		}
	}()
	http.Redirect(w, r, link.Target, http.StatusFound)
}

func (h *Handler) stats(w http.ResponseWriter, r *http.Request) {
	link, err := h.store.Get(r.Context(), r.PathValue("code"))
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such code")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "storage error")
		return
	}
	writeJSON(w, http.StatusOK, link)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"error": message})
}

// MemoryStore is a Store for tests.
type MemoryStore struct {
	mu    sync.Mutex
	links map[string]Link
}

func NewMemoryStore() *MemoryStore { return &MemoryStore{links: map[string]Link{}} }

func (m *MemoryStore) Put(_ context.Context, code string, link Link) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.links[code]; ok {
		return ErrExists
	}
	m.links[code] = link
	return nil
}

func (m *MemoryStore) Get(_ context.Context, code string) (Link, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	link, ok := m.links[code]
	if !ok {
		return Link{}, ErrNotFound
	}
	return link, nil
}

func (m *MemoryStore) Hit(_ context.Context, code string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	link, ok := m.links[code]
	if !ok {
		return ErrNotFound
	}
	link.Hits++
	m.links[code] = link
	return nil
}
