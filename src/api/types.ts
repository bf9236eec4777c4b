/** The API's wire types are the app layer's (src/app/types.ts): the HTTP API serves the `App` as JSON. */
export * from '../app/types.ts'
