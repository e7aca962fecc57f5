-- Attendance's two permissions moved out of the core's closed list into the attendance
-- plugin's own keys (`<plugin>.<name>`, declared by the plugin): roles keep what they had.
-- Which plugins an enterprise has turned on lives in the enterprise account JSON
-- (`plugins`), which needs no schema change.
UPDATE roles
   SET permissions = replace(replace(permissions,
         '"set_attendance_rules"', '"attendance.set_rules"'),
         '"view_attendance"', '"attendance.view"');
