-- Schema for a small library lending system (PostgreSQL 15).
-- Members borrow copies of titles; a title can have many physical copies.

BEGIN;

CREATE EXTENSION IF NOT EXISTS citext;

CREATE TABLE members (
    id            BIGSERIAL PRIMARY KEY,
    email         CITEXT NOT NULL UNIQUE,
    full_name     TEXT NOT NULL CHECK (length(trim(full_name)) > 0),
    joined_on     DATE NOT NULL DEFAULT CURRENT_DATE,
    max_loans     SMALLINT NOT NULL DEFAULT 5 CHECK (max_loans BETWEEN 0 AND 50),
    blocked_until DATE
);

CREATE TABLE titles (
    id           BIGSERIAL PRIMARY KEY,
    isbn13       CHAR(13) UNIQUE CHECK (isbn13 ~ '^[0-9]{13}$'),
    title        TEXT NOT NULL,
    authors      TEXT[] NOT NULL DEFAULT '{}',
    published    SMALLINT CHECK (published BETWEEN 1450 AND 2100),
    subjects     TEXT[] NOT NULL DEFAULT '{}',
    search       TSVECTOR GENERATED ALWAYS AS (
                     setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
                     setweight(to_tsvector('simple', array_to_string(authors, ' ')), 'B')
                 ) STORED
);

CREATE INDEX titles_search_idx ON titles USING GIN (search);

CREATE TYPE copy_condition AS ENUM ('new', 'good', 'worn', 'damaged', 'lost');

CREATE TABLE copies (
    id          BIGSERIAL PRIMARY KEY,
    title_id    BIGINT NOT NULL REFERENCES titles (id) ON DELETE RESTRICT,
    barcode     TEXT NOT NULL UNIQUE,
    shelf       TEXT NOT NULL,
    condition   copy_condition NOT NULL DEFAULT 'new',
    acquired_on DATE NOT NULL DEFAULT CURRENT_DATE
);

CREATE TABLE loans (
    id          BIGSERIAL PRIMARY KEY,
    copy_id     BIGINT NOT NULL REFERENCES copies (id),
    member_id   BIGINT NOT NULL REFERENCES members (id),
    loaned_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    due_on      DATE NOT NULL,
    returned_at TIMESTAMPTZ,
    renewals    SMALLINT NOT NULL DEFAULT 0 CHECK (renewals BETWEEN 0 AND 3),
    CHECK (returned_at IS NULL OR returned_at >= loaned_at)
);

-- A copy can only be out on one loan at a time.
CREATE UNIQUE INDEX loans_one_open_per_copy ON loans (copy_id) WHERE returned_at IS NULL;
CREATE INDEX loans_member_open_idx ON loans (member_id) WHERE returned_at IS NULL;

CREATE TABLE holds (
    id         BIGSERIAL PRIMARY KEY,
    title_id   BIGINT NOT NULL REFERENCES titles (id),
    member_id  BIGINT NOT NULL REFERENCES members (id),
    placed_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    fulfilled  BOOLEAN NOT NULL DEFAULT false,
    UNIQUE (title_id, member_id, fulfilled)
);

-- Refuse a loan when the member is blocked or already has max_loans open loans.
CREATE FUNCTION check_loan_allowed() RETURNS trigger AS $$
DECLARE
    m members%ROWTYPE;
    open_loans INTEGER;
BEGIN
    SELECT * INTO m FROM members WHERE id = NEW.member_id;
    IF m.blocked_until IS NOT NULL AND m.blocked_until >= CURRENT_DATE THEN
        RAISE EXCEPTION 'member % is blocked until %', m.id, m.blocked_until;
    END IF;
    SELECT count(*) INTO open_loans FROM loans WHERE member_id = NEW.member_id AND returned_at IS NULL;
    IF open_loans >= m.max_loans THEN
        RAISE EXCEPTION 'member % already has % open loans', m.id, open_loans;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER loans_check_allowed BEFORE INSERT ON loans
    FOR EACH ROW EXECUTE FUNCTION check_loan_allowed();

CREATE VIEW overdue_loans AS
SELECT l.id AS loan_id,
       m.full_name,
       m.email,
       t.title,
       c.barcode,
       l.due_on,
       CURRENT_DATE - l.due_on AS days_overdue
FROM loans l
JOIN members m ON m.id = l.member_id
JOIN copies c ON c.id = l.copy_id
JOIN titles t ON t.id = c.title_id
WHERE l.returned_at IS NULL AND l.due_on < CURRENT_DATE
ORDER BY days_overdue DESC;

-- Titles with the longest waiting lists, with how many copies are on the shelf right now.
CREATE VIEW demand AS
SELECT t.id,
       t.title,
       count(DISTINCT h.id) FILTER (WHERE NOT h.fulfilled) AS waiting,
       count(DISTINCT c.id) AS copies,
       count(DISTINCT c.id) FILTER (
           WHERE NOT EXISTS (SELECT 1 FROM loans l WHERE l.copy_id = c.id AND l.returned_at IS NULL)
       ) AS available
FROM titles t
LEFT JOIN holds h ON h.title_id = t.id
LEFT JOIN copies c ON c.title_id = t.id AND c.condition <> 'lost'
GROUP BY t.id
HAVING count(DISTINCT h.id) FILTER (WHERE NOT h.fulfilled) > 0
ORDER BY waiting DESC;

COMMIT;
