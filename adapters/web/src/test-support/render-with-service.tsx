import { render } from "@testing-library/react"
import type { ReactElement } from "react"
import { serviceClient } from "../api-client.ts"
import { ServiceContext } from "../service-context.ts"
import type { fakeService } from "./fake-service.ts"

/** Renders a page that talks to the fake service instead of the network. */
export const renderWithService = (service: ReturnType<typeof fakeService>, page: ReactElement) =>
  render(<ServiceContext.Provider value={serviceClient(service.fetch)}>{page}</ServiceContext.Provider>)
