-- sipscope sample: HOMER's sip_capture table for kamailio's sipcapture
-- module, in SQLite (kamailio-sqlite-modules).  The columns are the ones
-- the module fills (its documentation, HOMER 5's schema); each may be
-- NULL (the module stores NULL for a header the message lacks) and has a
-- default, so a column this module version leaves out stays empty.
-- A capture node writes one row per SIP message an agent sent over HEP:
--   sqlite3 homer.db < sipcapture-sqlite.sql
CREATE TABLE sip_capture (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	date TEXT DEFAULT '1900-01-01 00:00:01',
	micro_ts BIGINT DEFAULT 0,
	method VARCHAR(50) DEFAULT '',
	reply_reason VARCHAR(100) DEFAULT '',
	ruri VARCHAR(200) DEFAULT '',
	ruri_user VARCHAR(100) DEFAULT '',
	ruri_domain VARCHAR(150) DEFAULT '',
	from_user VARCHAR(100) DEFAULT '',
	from_domain VARCHAR(150) DEFAULT '',
	from_tag VARCHAR(64) DEFAULT '',
	to_user VARCHAR(100) DEFAULT '',
	to_domain VARCHAR(150) DEFAULT '',
	to_tag VARCHAR(64) DEFAULT '',
	pid_user VARCHAR(100) DEFAULT '',
	contact_user VARCHAR(120) DEFAULT '',
	auth_user VARCHAR(120) DEFAULT '',
	callid VARCHAR(120) DEFAULT '',
	callid_aleg VARCHAR(120) DEFAULT '',
	via_1 VARCHAR(256) DEFAULT '',
	via_1_branch VARCHAR(80) DEFAULT '',
	cseq VARCHAR(25) DEFAULT '',
	diversion VARCHAR(256) DEFAULT '',
	reason VARCHAR(200) DEFAULT '',
	content_type VARCHAR(256) DEFAULT '',
	auth VARCHAR(256) DEFAULT '',
	user_agent VARCHAR(256) DEFAULT '',
	source_ip VARCHAR(60) DEFAULT '',
	source_port INTEGER DEFAULT 0,
	destination_ip VARCHAR(60) DEFAULT '',
	destination_port INTEGER DEFAULT 0,
	contact_ip VARCHAR(60) DEFAULT '',
	contact_port INTEGER DEFAULT 0,
	originator_ip VARCHAR(60) DEFAULT '',
	originator_port INTEGER DEFAULT 0,
	expires INTEGER DEFAULT -1,
	correlation_id VARCHAR(256) DEFAULT '',
	custom_field1 VARCHAR(120) DEFAULT '',
	custom_field2 VARCHAR(120) DEFAULT '',
	custom_field3 VARCHAR(120) DEFAULT '',
	proto INTEGER DEFAULT 0,
	family INTEGER DEFAULT 0,
	rtp_stat VARCHAR(256) DEFAULT '',
	type INTEGER DEFAULT 0,
	node VARCHAR(125) DEFAULT '',
	msg TEXT DEFAULT ''
);
CREATE INDEX sip_capture_callid_idx ON sip_capture (callid);
CREATE INDEX sip_capture_date_idx ON sip_capture (date);
