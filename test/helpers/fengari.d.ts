// fengari ships no types: what test/helpers/redis-lua.ts uses of it.
declare module 'fengari' {
  type State = unknown
  const fengari: {
    lua: {
      LUA_OK: number
      lua_createtable(L: State, narr: number, nrec: number): void
      lua_pushstring(L: State, s: Uint8Array): void
      lua_rawseti(L: State, index: number, n: number): void
      lua_setglobal(L: State, name: Uint8Array): void
      lua_setfield(L: State, index: number, name: Uint8Array): void
      lua_pushcfunction(L: State, fn: (L: State) => number): void
      lua_gettop(L: State): number
      lua_settop(L: State, index: number): void
      lua_pushboolean(L: State, b: boolean): void
      lua_pushinteger(L: State, n: number): void
      lua_pcall(L: State, nargs: number, nresults: number, msgh: number): number
      lua_tostring(L: State, index: number): Uint8Array
      lua_isnumber(L: State, index: number): boolean
      lua_tointeger(L: State, index: number): number
    }
    lauxlib: {
      luaL_newstate(): State
      luaL_tolstring(L: State, index: number): Uint8Array
      luaL_loadstring(L: State, s: Uint8Array): number
    }
    lualib: { luaL_openlibs(L: State): void }
    to_luastring(s: string): Uint8Array
    to_jsstring(s: Uint8Array): string
  }
  export default fengari
}
