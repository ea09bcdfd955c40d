-- attack: use io at the top level
-- expect: LOAD load_io%.lua:3: undefined global 'io'
io.open("/tmp/ronghe-hostile-pwned", "w"):write("x")
