import { createContext, useContext } from "react"
import { type ServiceClient, serviceClient } from "./api-client.ts"

/** The service the pages talk to: the browser's `fetch` by default; component tests provide a fake. */
export const ServiceContext = createContext<ServiceClient>(serviceClient())

export const useService = (): ServiceClient => useContext(ServiceContext)
