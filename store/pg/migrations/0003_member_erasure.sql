-- 0003: a member's erasure of their own data (LGPD art. 18) is an audited action.
--
-- The erasure itself is a change like any other (tracking/records.py `Erase`, folded by
-- store/pg/writes.py): it deletes the member's rows in the figure tables and their camera
-- sessions. Its audit entry names the member only by id (no name), and their earlier
-- entries lose their names (`admin_name` and `user_name` set to NULL), so the log keeps
-- every action without naming who erased their data.
ALTER TABLE admin_actions DROP CONSTRAINT admin_actions_action_check;
ALTER TABLE admin_actions ADD CONSTRAINT admin_actions_action_check
    CHECK (action IN ('adjust', 'reset', 'erase'));
